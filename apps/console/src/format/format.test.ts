import { describe, expect, it } from 'vitest';
import { formatInstant, formatNumber, formatPercent, formatTagValue } from './format';
import { interpolate } from '../i18n/i18n';
import { en, zh } from '../i18n/messages';

describe('locale formatting', () => {
  it('formats numbers per locale', () => {
    expect(formatNumber(1234567.891, 'en-US')).toBe('1,234,567.89');
    expect(formatNumber(1234567, 'zh-CN')).toBe('1,234,567');
    expect(formatNumber(null, 'en-US')).toBe('—');
    expect(formatPercent(0.1234, 'en-US')).toBe('12.3%');
  });

  it('formats instants per locale in 24-hour time', () => {
    const instant = '2026-11-27T08:00:00Z';
    expect(formatInstant(instant, 'en-US')).toMatch(/11\/27\/2026|27/);
    expect(formatInstant(instant, 'zh-CN')).toMatch(/2026\/11\/2[78]/);
    expect(formatInstant(null, 'zh-CN')).toBe('—');
  });

  it('shows tag values as people read them', () => {
    expect(formatTagValue(true, 'zh-CN', { yes: '是', no: '否' })).toBe('是');
    expect(formatTagValue(false, 'en-US', { yes: 'yes', no: 'no' })).toBe('no');
    expect(formatTagValue('renovation', 'en-US', { yes: 'yes', no: 'no' })).toBe('renovation');
    expect(formatTagValue(null, 'en-US', { yes: 'yes', no: 'no' })).toBe('—');
  });
});

describe('messages', () => {
  it('has a Chinese text for every English one, with the same placeholders', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(zh[key], key).toBeTruthy();
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('fills placeholders', () => {
    expect(interpolate(en.needsScope, { scopes: 'admin', held: 'tags:read' })).toBe(
      'This screen needs the scope admin; this key has tags:read.',
    );
  });
});
