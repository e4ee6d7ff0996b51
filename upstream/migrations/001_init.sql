-- The clearing host's schema. Money is BIGINT fen. Entries are stored exactly as the station
-- hashed them (payload as canonical JSON text, not jsonb, which would reorder keys), so the
-- host can recompute every hash of its copy of a station's chain.

CREATE TABLE stations (
  station_id   text PRIMARY KEY,
  name         text NOT NULL DEFAULT '',
  city_code    text,
  -- HMAC key (64 hex). The host must hold it in clear to verify; protect the database.
  secret       text NOT NULL,
  disabled     boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Chain head of this station's entries held here; updated under the row lock.
  head_seq     bigint NOT NULL DEFAULT 0,
  head_hash    text NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'
);

-- Nonces of signed requests, kept past the time window so a replay inside it is refused
-- whichever host process it reaches.
CREATE TABLE request_nonces (
  station_id   text NOT NULL,
  nonce        text NOT NULL,
  seen_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, nonce)
);
CREATE INDEX request_nonces_seen_at ON request_nonces (seen_at);

CREATE TABLE entries (
  station_id    text NOT NULL REFERENCES stations (station_id),
  seq           bigint NOT NULL CHECK (seq >= 1),
  entry_id      text NOT NULL UNIQUE,
  kind          text NOT NULL,
  at            text NOT NULL,
  operator_id   text,
  shift_id      text,
  card_ref      text,
  amount_fen    bigint NOT NULL,
  payload       text NOT NULL,
  postings      jsonb NOT NULL,
  prev_hash     text NOT NULL,
  hash          text NOT NULL,
  -- accepted, or rejected (held for the chain, quarantined for clearing, with the reason)
  status        text NOT NULL CHECK (status IN ('accepted', 'rejected')),
  reject_code   text,
  reject_reason text,
  received_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, seq)
);
CREATE INDEX entries_card_ref ON entries (card_ref) WHERE card_ref IS NOT NULL;

CREATE TABLE blacklist_changes (
  version      bigint PRIMARY KEY,
  asn          text NOT NULL,
  action       text NOT NULL CHECK (action IN ('add', 'remove')),
  reason       text NOT NULL,
  station_id   text,
  request_id   text UNIQUE,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blacklist_changes_asn ON blacklist_changes (asn, version);

CREATE TABLE param_changes (
  version      bigint PRIMARY KEY,
  key          text NOT NULL,
  value        jsonb NOT NULL,
  at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE load_authorisations (
  auth_id        text PRIMARY KEY,
  asn            text NOT NULL,
  online_atc     integer NOT NULL,
  random         text NOT NULL,
  station_id     text NOT NULL,
  request        text NOT NULL,
  amount_fen     bigint NOT NULL,
  mac2           text NOT NULL,
  host_date      text NOT NULL,
  host_time      text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (asn, online_atc, random)
);

CREATE TABLE day_checkpoints (
  station_id      text NOT NULL REFERENCES stations (station_id),
  day             text NOT NULL,
  checkpoint      text NOT NULL,
  status          text NOT NULL CHECK (status IN ('acknowledged', 'mismatch', 'incomplete')),
  differences     jsonb NOT NULL DEFAULT '[]',
  acknowledged_at timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, day)
);
