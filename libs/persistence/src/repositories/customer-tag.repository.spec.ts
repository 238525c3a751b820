import { changesDocument } from './customer-tag.repository';

describe('changesDocument', () => {
  it('is the JSON of each customer’s history row, leaving out customers without changes', () => {
    const document = changesDocument([
      {
        customerId: 'C"1\\',
        profileVersion: 7,
        changes: [
          { tagId: 'opted_out', oldValue: null, newValue: true, tagVersion: 1 },
          { tagId: 'band', oldValue: 'a "b"', newValue: null, tagVersion: 3 },
          { tagId: 'score', oldValue: 1.5, newValue: -20, tagVersion: 2 },
        ],
      },
      { customerId: 'C2', profileVersion: 1, changes: [] },
      {
        customerId: '客户3',
        profileVersion: 2,
        changes: [{ tagId: 'x', oldValue: 1, newValue: 2, tagVersion: 9 }],
      },
    ]);
    expect(JSON.parse(document)).toEqual([
      {
        customer_id: 'C"1\\',
        profile_version: 7,
        changes: { opted_out: [null, true, 1], band: ['a "b"', null, 3], score: [1.5, -20, 2] },
      },
      { customer_id: '客户3', profile_version: 2, changes: { x: [1, 2, 9] } },
    ]);
    expect(changesDocument([])).toBe('[]');
  });
});
