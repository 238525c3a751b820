import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { batchWebhookId, changeIdempotencyKey, generateSecret, isSecret, signedHeaders } from './signing';

describe('Standard Webhooks signing', () => {
  const body = JSON.stringify({ type: 'audience.changes', events: [{ customerId: 'C1' }] });

  it('signs so that the reference library verifies the body, and refuses a changed body', () => {
    const secret = generateSecret();
    expect(isSecret(secret)).toBe(true);
    const headers = signedHeaders([secret], 'msg_1', new Date(), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('C1', 'C2'), { ...headers })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(generateSecret()).verify(body, { ...headers })).toThrow(
      WebhookVerificationError,
    );
  });

  it('signs with both secrets during a rotation, so either verifies', () => {
    const [current, previous] = [generateSecret(), generateSecret()];
    const headers = signedHeaders([current, previous], 'msg_2', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, { ...headers })).toBeTruthy();
    expect(new Webhook(previous).verify(body, { ...headers })).toBeTruthy();
  });

  it('gives a batch the same id for the same range and generation, and another otherwise', () => {
    const from = { txid: '100', seq: '5' };
    const to = { txid: '120', seq: '9' };
    const id = batchWebhookId('d1', from, to, 0);
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(batchWebhookId('d1', from, to, 0)).toBe(id);
    expect(batchWebhookId('d1', from, to, 1)).not.toBe(id);
    expect(batchWebhookId('d2', from, to, 0)).not.toBe(id);
    expect(batchWebhookId('d1', from, { txid: '120', seq: '10' }, 0)).not.toBe(id);
    expect(changeIdempotencyKey('42')).toBe('evt_42');
  });
});
