// Demo and test data: a seeded synthetic population and loaders for two public UCI datasets,
// all producing `{ customerId, profile }` records that validate against profile.schema.json.
export {
  BANK_LABEL_COLUMN,
  bankMarketingLabels,
  bankMarketingProfiles,
  EUR_TO_CNY,
  mapBankRecord,
} from './bank-marketing';
export { type CsvRecord, csvRecords, DatasetRowError } from './csv-records';
export {
  type CustomerRecord,
  syntheticCustomer,
  type SyntheticOptions,
  syntheticProfiles,
} from './synthetic-profiles';
export { writeNdjson } from './ndjson-writer';
export {
  mapUciRecord,
  TWD_TO_CNY,
  UCI_LABEL_COLUMN,
  uciCreditCardLabels,
  uciCreditCardProfiles,
} from './uci-credit-card';
export { DEMO_DATASETS, type DemoDataset, isDemoDataset } from './demo-datasets';
