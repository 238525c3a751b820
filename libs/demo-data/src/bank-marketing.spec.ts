import { Readable } from 'node:stream';
import { bankMarketingProfiles } from './bank-marketing';
import type { CustomerRecord } from './synthetic-profiles';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const HEADER =
  'age;job;marital;education;default;balance;housing;loan;contact;day;month;duration;campaign;pdays;previous;poutcome;y';

// bank-full.csv rows, numbered as in the file (BANK-<n> is the n-th data row).
async function load(rows: Record<number, string>): Promise<CustomerRecord[]> {
  const last = Math.max(...Object.keys(rows).map(Number));
  const filler = '40;services;married;secondary;no;100;no;no;unknown;5;may;100;1;-1;0;unknown;no';
  const lines = Array.from({ length: last }, (_, i) => rows[i + 1] ?? filler);
  const records: CustomerRecord[] = [];
  for await (const record of bankMarketingProfiles(
    Readable.from([`${HEADER}\r\n${lines.join('\r\n')}\r\n`]),
    NOW,
  )) {
    if (rows[Number(record.customerId.slice('BANK-'.length))] !== undefined) records.push(record);
  }
  return records;
}

describe('bankMarketingProfiles', () => {
  it('maps a first contact with a mortgage', async () => {
    expect(
      await load({ 1: '58;management;married;tertiary;no;2143;yes;no;unknown;5;may;261;1;-1;0;unknown;no' }),
    ).toEqual([
      {
        customerId: 'BANK-1',
        profile: {
          demographics: {
            birthDate: '1967-07-01',
            occupation: 'salaried',
            maritalStatus: 'married',
            education: 'bachelor',
            homeOwnership: 'mortgaged',
          },
          deposits: { balance: 20358.5, avgBalance12m: 20358.5, aum: 20358.5 },
          bureau: { overdueAccounts: 0 },
          marketing: {
            contacts30d: 1,
            contacts12m: 1,
            lastContactAt: '2026-01-01T00:00:00Z',
            responses180d: 0,
            campaignsConverted12m: 0,
            lastContactMonth: 5,
            lastContactDayOfYear: 125,
            previousCampaignContacts: 0,
          },
          loans: [{ type: 'mortgage', status: 'active' }],
        },
      },
    ]);
  });

  it('maps a defaulted client with an overdraft', async () => {
    const [record] = await load({
      339: '51;admin.;single;secondary;yes;-2;no;no;unknown;5;may;402;3;-1;0;unknown;no',
    });
    expect(record).toEqual({
      customerId: 'BANK-339',
      profile: {
        demographics: {
          birthDate: '1974-07-01',
          occupation: 'salaried',
          maritalStatus: 'single',
          education: 'secondary',
        },
        deposits: { balance: 0, avgBalance12m: 0, aum: 0 },
        bureau: { overdueAccounts: 1, maxDpd24m: 90 },
        marketing: {
          contacts30d: 3,
          contacts12m: 3,
          lastContactAt: '2026-01-01T00:00:00Z',
          responses180d: 0,
          campaignsConverted12m: 0,
          lastContactMonth: 5,
          lastContactDayOfYear: 125,
          previousCampaignContacts: 0,
        },
        loans: [{ type: 'credit_line', status: 'active', outstanding: 19 }],
      },
    });
  });

  it('maps an earlier successful campaign and the contact channel', async () => {
    const [success, phone] = await load({
      24081: '56;technician;married;secondary;no;589;yes;no;unknown;23;oct;518;1;147;2;success;yes',
      24166: '30;admin.;married;secondary;no;873;yes;no;telephone;12;nov;119;1;167;3;success;no',
    });
    expect(success.profile.marketing).toEqual({
      contacts30d: 1,
      contacts12m: 3,
      lastContactAt: '2026-01-01T00:00:00Z',
      responses180d: 1,
      campaignsConverted12m: 1,
      lastResponseAt: '2025-08-07T00:00:00Z',
      lastCampaignOutcome: 'success',
      lastContactMonth: 10,
      lastContactDayOfYear: 296,
      previousCampaignContacts: 2,
    });
    expect(phone.customerId).toBe('BANK-24166');
    expect(phone.profile.marketing).toEqual(
      expect.objectContaining({
        preferredChannel: 'phone',
        lastCampaignOutcome: 'success',
        lastContactMonth: 11,
      }),
    );
  });

  it('keeps the campaign outcome (y) and the call duration out of the profile', async () => {
    const [record] = await load({
      1: '58;management;married;tertiary;no;2143;yes;no;unknown;5;may;261;1;-1;0;unknown;yes',
    });
    expect(JSON.stringify(record)).not.toMatch(/261|"y"|subscribed/);
  });
});
