import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { en, enumLabels, zh, type MessageKey } from './messages';

export type Lang = 'en' | 'zh';
const STORAGE_KEY = 'tagforge.lang';

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, values?: Record<string, string | number>) => string;
  label: (value: string | null | undefined) => string;
  // A tag's name in the current language: nameZh in Chinese when there is one.
  tagName: (
    tag: { name?: string | null; nameZh?: string | null; id?: string } | undefined,
    fallbackId?: string,
  ) => string;
  locale: string;
}

const I18nContext = createContext<I18n | null>(null);

export function interpolate(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

function initialLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'zh' ? 'zh' : 'en';
  } catch {
    return 'en';
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // a browser without storage keeps the choice for this page only
    }
    document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  }, []);
  const value = useMemo<I18n>(() => {
    const messages = lang === 'zh' ? zh : en;
    return {
      lang,
      setLang,
      locale: lang === 'zh' ? 'zh-CN' : 'en-US',
      t: (key, values) => interpolate(messages[key], values),
      label: (raw) => (raw ? (enumLabels[lang][raw] ?? raw.replace(/_/g, ' ')) : ''),
      tagName: (tag, fallbackId) =>
        (lang === 'zh' ? (tag?.nameZh ?? tag?.name) : tag?.name) ?? tag?.id ?? fallbackId ?? '',
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (!context) throw new Error('useI18n outside I18nProvider');
  return context;
}
