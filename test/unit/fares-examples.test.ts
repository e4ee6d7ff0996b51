// The worked examples of seed 003 that FARES.md quotes ("Worked examples from the seed (must hold)"),
// each as the seed states it, plus FARES.md's own input/output example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calculateFares } from '../../core/fares/index.ts';
import { pairs, price } from './fares-helpers.ts';

test('宁波 example 1 (张女士): bus 2 yuan (1.20) then metro 2 yuan within 90 min → 1.20 + 0.70', () => {
  assert.deepEqual(pairs('宁波', [{ min: 0, mode: 'bus', fare: 200 }, { min: 30, mode: 'metro', fare: 200 }]), [[120, false], [70, true]]);
  assert.equal(price('宁波', [{ min: 0, mode: 'bus', fare: 200 }, { min: 30, mode: 'metro', fare: 200 }]).total, 190);
});

test('宁波 example 2 (王先生): metro 4 yuan (3.80) then bus 3 yuan within 90 min → 3.80 + 0', () => {
  assert.deepEqual(pairs('宁波', [{ min: 0, mode: 'metro', fare: 400 }, { min: 45, mode: 'bus', fare: 300 }]), [[380, false], [0, true]]);
});

test('常州 example: metro 4 yuan (3.80) then bus 2 yuan within 60 min → 3.80 + 0.60', () => {
  assert.deepEqual(pairs('常州', [{ min: 0, mode: 'metro', fare: 400 }, { min: 40, mode: 'bus', fare: 200 }]), [[380, false], [60, true]]);
});

test('重庆 example 1: metro 2 yuan (1.80) then bus 2 yuan → free (also the 1-yuan 普通车)', () => {
  assert.deepEqual(pairs('重庆', [{ min: 0, mode: 'metro', fare: 200 }, { min: 20, mode: 'bus', fare: 200 }]), [[180, false], [0, true]]);
  assert.deepEqual(pairs('重庆', [{ min: 0, mode: 'metro', fare: 200 }, { min: 20, mode: 'bus', fare: 100 }]), [[180, false], [0, true]]);
});

test('重庆 example 2: bus 2 yuan (1.80) then metro 3 yuan → 1.00', () => {
  assert.deepEqual(pairs('重庆', [{ min: 0, mode: 'bus', fare: 200 }, { min: 20, mode: 'metro', fare: 300 }]), [[180, false], [100, true]]);
  // The same 3-yuan metro by distance: 重庆 ≤6 km 2 yuan, ≤11 km 3 yuan.
  assert.deepEqual(pairs('重庆', [{ min: 0, mode: 'bus', fare: 200 }, { min: 20, mode: 'metro', km: 11 }]), [[180, false], [100, true]]);
});

test('FARES.md input/output example: 宁波 bus 200 then metro 3.5 km → {"rides":[120 false, 70 true],"total":190}', () => {
  const out = calculateFares({
    city: '宁波', card: { issuer: '宁波', type: 'regular' }, metro_spent_this_month: 0,
    rides: [{ at: '2019-11-05T08:00:00+08:00', mode: 'bus', fare: 200 }, { at: '2019-11-05T08:30:00+08:00', mode: 'metro', km: 3.5 }],
  });
  assert.equal(JSON.stringify(out), '{"rides":[{"charged":120,"transfer":false},{"charged":70,"transfer":true}],"total":190}');
});
