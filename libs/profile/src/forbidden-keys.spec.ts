import { hasForbiddenKeys } from './forbidden-keys';

describe('hasForbiddenKeys', () => {
  it.each([
    ['{"__proto__":{"isAdmin":true}}', '/__proto__'],
    ['{"bureau":{"constructor":{"prototype":{}}}}', '/bureau/constructor'],
    ['{"loans":[{"type":"car"},{"prototype":1}]}', '/loans/1/prototype'],
    ['[[{"a":{"__proto__":null}}]]', '/0/0/a/__proto__'],
    ['{"a/b":{"c~d":{"constructor":1}}}', '/a~1b/c~0d/constructor'],
  ])('finds the forbidden key in %s at %s', (json, pointer) => {
    expect(hasForbiddenKeys(JSON.parse(json))).toBe(pointer);
  });

  it('reports the first one in document order', () => {
    expect(hasForbiddenKeys(JSON.parse('{"a":{"b":{"constructor":1}},"__proto__":1}'))).toBe(
      '/a/b/constructor',
    );
  });

  it('accepts clean documents, values that merely mention the names, and scalars', () => {
    expect(
      hasForbiddenKeys({ deposits: { balance: 1 }, note: '__proto__', list: ['constructor'] }),
    ).toBeNull();
    expect(hasForbiddenKeys({ protoType: 1, Constructor: 2 })).toBeNull();
    expect(hasForbiddenKeys(null)).toBeNull();
    expect(hasForbiddenKeys('__proto__')).toBeNull();
  });

  it('walks a body nested as deep as a 1 MB JSON text allows without overflowing the stack', () => {
    const levels = 500_000;
    const deep = JSON.parse(`${'{"a":'.repeat(levels)}{"__proto__":1}${'}'.repeat(levels)}`);
    expect(hasForbiddenKeys(deep)).toBe(`${'/a'.repeat(levels)}/__proto__`);
  });
});
