import type { Readable } from 'node:stream';
import { bankMarketingLabels, bankMarketingProfiles } from './bank-marketing';
import type { CustomerRecord } from './synthetic-profiles';
import { uciCreditCardLabels, uciCreditCardProfiles } from './uci-credit-card';

// A public dataset the demo loads through the API: profiles without their outcome, and the outcome
// recorded afterwards on one campaign over everyone loaded.
export interface DemoDataset {
  name: string;
  // Where the file lives in this repository (docs/datasets.md).
  file: string;
  customers: number;
  profiles: (input: Readable, now: number) => AsyncGenerator<CustomerRecord>;
  labels: (input: Readable) => AsyncGenerator<{ customerId: string; label: number }>;
  campaign: { id: string; name: string; channel: 'phone' | 'sms' };
  // The outcome a label of 1 is recorded as; with `everyoneContacted`, every customer is also recorded
  // as contacted (the bank called every contact in the file).
  outcome: 'converted' | 'defaulted';
  everyoneContacted: boolean;
}

export const DEMO_DATASETS: Record<'bank-marketing' | 'uci-credit-card', DemoDataset> = {
  'bank-marketing': {
    name: 'bank-marketing',
    file: 'test/fixtures/datasets/bank-full.csv',
    customers: 45_211,
    profiles: bankMarketingProfiles,
    labels: bankMarketingLabels,
    campaign: {
      id: 'bank-marketing-term-deposit',
      name: 'Term deposit phone campaigns (UCI 222)',
      channel: 'phone',
    },
    outcome: 'converted',
    everyoneContacted: true,
  },
  'uci-credit-card': {
    name: 'uci-credit-card',
    file: 'test/fixtures/datasets/UCI_Credit_Card.csv',
    customers: 30_000,
    profiles: uciCreditCardProfiles,
    labels: uciCreditCardLabels,
    campaign: {
      id: 'uci-credit-card-default',
      name: 'Card portfolio, October 2005 (UCI 350)',
      channel: 'sms',
    },
    outcome: 'defaulted',
    everyoneContacted: false,
  },
};

export const isDemoDataset = (name: string): name is keyof typeof DEMO_DATASETS =>
  Object.prototype.hasOwnProperty.call(DEMO_DATASETS, name);
