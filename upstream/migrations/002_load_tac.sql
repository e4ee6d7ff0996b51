-- The TAC a card returned for a load the host authorised (its "load confirmation"), as the
-- station's ledger entry reported it, and whether it verifies with the issuer's DTK:
-- verified, or mismatch (the entry is then held as rejected TAC_MISMATCH for a person).
ALTER TABLE load_authorisations ADD COLUMN tac text;
ALTER TABLE load_authorisations ADD COLUMN tac_status text CHECK (tac_status IN ('verified', 'mismatch'));
ALTER TABLE load_authorisations ADD COLUMN tac_entry_id text;
ALTER TABLE load_authorisations ADD COLUMN tac_checked_at timestamptz;
CREATE INDEX load_authorisations_asn_atc ON load_authorisations (asn, online_atc);
