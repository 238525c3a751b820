import { loadJsonFile } from './definition-loader';
import { DEFINITION_SCHEMA } from './definition-schema';

it('matches tag-definitions/definition.schema.json, the copy editors use', () => {
  expect(loadJsonFile('tag-definitions/definition.schema.json')).toEqual(DEFINITION_SCHEMA);
});
