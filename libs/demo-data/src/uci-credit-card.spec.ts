import { Readable } from 'node:stream';
import { uciCreditCardProfiles } from './uci-credit-card';
import type { CustomerRecord } from './synthetic-profiles';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const HEADER =
  '"ID","LIMIT_BAL","SEX","EDUCATION","MARRIAGE","AGE","PAY_0","PAY_2","PAY_3","PAY_4","PAY_5","PAY_6",' +
  '"BILL_AMT1","BILL_AMT2","BILL_AMT3","BILL_AMT4","BILL_AMT5","BILL_AMT6",' +
  '"PAY_AMT1","PAY_AMT2","PAY_AMT3","PAY_AMT4","PAY_AMT5","PAY_AMT6","default.payment.next.month"';

async function load(...rows: string[]): Promise<CustomerRecord[]> {
  const records: CustomerRecord[] = [];
  for await (const record of uciCreditCardProfiles(Readable.from([`${HEADER}\n${rows.join('\n')}\n`]), NOW)) {
    records.push(record);
  }
  return records;
}

describe('uciCreditCardProfiles', () => {
  it('maps a client two months late on the latest statement', async () => {
    expect(await load('1,20000,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0,0,1')).toEqual([
      {
        customerId: 'UCI-1',
        profile: {
          demographics: {
            birthDate: '2001-07-01',
            gender: 'female',
            education: 'bachelor',
            maritalStatus: 'married',
          },
          cards: [
            {
              cardId: 'UCI-1-1',
              status: 'active',
              limit: 5000,
              balance: 978.25,
              utilization: 0.1957,
              avgUtilization6m: 0.0379,
              lastStatementBalance: 978.25,
              lastPaymentAmount: 0,
              currentDpd: 60,
              consecutiveOverdueDays: 60,
              maxDpd6m: 60,
              minPaymentOnly3m: false,
              // PAY_0, PAY_2..PAY_6 as days, PAY_AMT1..6 and BILL_AMT1..6 in CNY, newest first.
              dpdHistory6m: [60, 60, 0, 0, 0, 0],
              paymentHistory6m: [0, 172.25, 0, 0, 0, 0],
              statementHistory6m: [978.25, 775.5, 172.25, 0, 0, 0],
            },
          ],
        },
      },
    ]);
  });

  it('maps a revolving client paying under 5 % of each statement as minimum-only', async () => {
    const [record] = await load(
      '4,50000,2,2,1,37,0,0,0,0,0,0,46990,48233,49291,28314,28959,29547,2000,2019,1200,1100,1069,1000,0',
    );
    expect(record).toEqual({
      customerId: 'UCI-4',
      profile: {
        demographics: {
          birthDate: '1988-07-01',
          gender: 'female',
          education: 'bachelor',
          maritalStatus: 'married',
        },
        cards: [
          {
            cardId: 'UCI-4-1',
            status: 'active',
            limit: 12500,
            balance: 11747.5,
            utilization: 0.9398,
            avgUtilization6m: 0.7374,
            lastStatementBalance: 11747.5,
            lastPaymentAmount: 500,
            currentDpd: 0,
            consecutiveOverdueDays: 0,
            maxDpd6m: 0,
            minPaymentOnly3m: true,
            dpdHistory6m: [0, 0, 0, 0, 0, 0],
            paymentHistory6m: [500, 504.75, 300, 275, 267.25, 250],
            statementHistory6m: [11747.5, 12058.25, 12322.75, 7078.5, 7239.75, 7386.75],
          },
        ],
      },
    });
  });

  it('reads limits written as 5e+05 and leaves unknown codes out', async () => {
    const [record] = await load(
      '7,5e+05,1,1,2,29,0,0,0,0,0,0,367965,412023,445007,542653,483003,473944,55000,40000,38000,20239,13750,13770,0',
      '8,100000,2,5,0,23,-1,-1,-1,-1,-1,-1,11876,380,601,221,-159,567,380,601,0,581,1687,1542,0',
    );
    expect(record.profile).toEqual({
      demographics: {
        birthDate: '1996-07-01',
        gender: 'male',
        education: 'postgraduate',
        maritalStatus: 'single',
      },
      cards: [
        expect.objectContaining({
          limit: 125000,
          balance: 91991.25,
          utilization: 0.7359,
          avgUtilization6m: 0.9427,
        }),
      ],
    });
    expect(
      (
        await load('8,100000,2,5,0,23,-1,-1,-1,-1,-1,-1,11876,380,601,221,-159,567,380,601,0,581,1687,1542,0')
      )[0].profile.demographics,
    ).toEqual({ birthDate: '2002-07-01', gender: 'female' });
  });

  it('keeps the default label out of the profile', async () => {
    const [record] = await load('1,20000,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0,0,1');
    expect(JSON.stringify(record)).not.toContain('default');
  });

  it('fails loudly, with the line, on a value that is not a number', async () => {
    await expect(load('1,lots,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0,0,1')).rejects.toThrow(
      'line 2: LIMIT_BAL must be a whole number, got "lots"',
    );
  });
});
