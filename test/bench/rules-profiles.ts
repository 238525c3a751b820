import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

type RandomGenerator = ReturnType<typeof xoroshiro128plus>;

const DAY = 86_400_000;

class Random {
  private readonly rng: RandomGenerator;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
  }

  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }

  float(): number {
    return uniformFloat64(this.rng);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  money(from: number, to: number): number {
    return Math.round(from + (to - from) * this.float() ** 2);
  }

  // An ISO date `daysBack` days (up to) before `now`; sometimes a date-time.
  date(now: number, minDays: number, maxDays: number): string {
    const iso = new Date(now - this.int(minDays, maxDays) * DAY - this.int(0, DAY - 1)).toISOString();
    return this.chance(0.7) ? iso.slice(0, 10) : iso;
  }
}

const OCCUPATIONS = [
  'civil_servant',
  'salaried',
  'self_employed',
  'business_owner',
  'freelancer',
  'student',
  'retired',
  'unemployed',
];
const LOAN_TYPES = ['mortgage', 'car', 'consumer', 'business', 'credit_line'];
const CHANNELS = ['app', 'wechat', 'sms', 'phone', 'branch', 'fax'];

/** Synthetic 360° profiles shaped like docs/DOMAIN.md, deterministic for a seed; sections are often missing. */
export function generateProfiles(count: number, now: number, seed = 42): Record<string, unknown>[] {
  const random = new Random(seed);
  const profiles: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i += 1) {
    const profile: Record<string, unknown> = {};
    if (random.chance(0.97)) {
      profile.demographics = {
        birthDate: random.chance(0.98) ? random.date(now, 18 * 365, 80 * 365) : 'unknown',
        gender: random.pick(['f', 'm']),
        maritalStatus: random.pick(['single', 'married', 'divorced']),
        children: random.int(0, 3),
        occupation: random.pick(OCCUPATIONS),
        cityTier: random.int(1, 4),
        province: random.pick(['GD', 'ZJ', 'JS', 'SC', 'BJ', 'SH']),
        homeOwnership: random.pick(['owner', 'mortgaged', 'renter', 'family']),
      };
    }
    profile.relationship = {
      customerSince: random.date(now, 1, 20 * 365),
      kycStatus: random.pick(['complete', 'complete', 'complete', 'pending', 'expired']),
      isEmployee: random.chance(0.01),
      productCount: random.int(1, 6),
    };
    if (random.chance(0.9)) {
      const avg12 = random.money(0, 2_000_000);
      profile.deposits = {
        balance: random.money(0, 3_000_000),
        avgBalance3m: Math.round(avg12 * (0.6 + random.float() * 0.8)),
        avgBalance12m: avg12,
        aum: random.money(0, 8_000_000),
        wealthProductCount: random.int(0, 4),
        balanceTrend3m: random.chance(0.9) ? Math.round((random.float() - 0.5) * 100) / 100 : null,
      };
    }
    if (random.chance(0.8)) {
      const payroll = random.chance(0.6);
      const salary = random.money(3000, 60_000);
      profile.income = {
        payrollAtBank: payroll,
        monthlySalary: payroll ? salary : null,
        salaryHistory6m: payroll
          ? Array.from({ length: 6 }, () => Math.round(salary * (0.6 + random.float() * 0.5)))
          : [],
        lastSalaryDate: payroll ? random.date(now, 0, 120) : null,
        salaryIncreasePct12m: random.chance(0.7) ? random.int(-20, 30) : null,
      };
    }
    profile.loans = Array.from({ length: random.int(0, 4) }, () => {
      const status = random.pick(['active', 'active', 'closed', 'closed', 'written_off']);
      return {
        type: random.pick(LOAN_TYPES),
        status,
        principal: random.money(5000, 3_000_000),
        outstanding: status === 'active' ? random.money(0, 2_000_000) : 0,
        rate: Math.round(random.float() * 1500) / 10_000,
        openedAt: random.date(now, 200, 15 * 365),
        closedAt: status === 'closed' ? random.date(now, 0, 5 * 365) : null,
        remainingTerms: status === 'active' ? random.int(0, 360) : 0,
        currentDpd: status === 'active' && random.chance(0.08) ? random.int(1, 120) : 0,
        maxDpd12m: random.chance(0.15) ? random.int(1, 120) : 0,
        onTimePayments24m: random.int(0, 24),
        prepaid: random.chance(0.1),
      };
    });
    profile.cards = Array.from({ length: random.int(0, 3) }, () => {
      const limit = random.money(5000, 200_000);
      const balance = Math.round(limit * random.float());
      return {
        limit,
        balance,
        utilization: Math.round((balance / limit) * 100) / 100,
        currentDpd: random.chance(0.06) ? random.int(1, 90) : 0,
        consecutiveOverdueDays: random.chance(0.05) ? random.int(1, 10) : 0,
        minPaymentOnly3m: random.chance(0.1),
        cashAdvance30d: random.chance(0.05) ? random.money(100, 20_000) : 0,
      };
    });
    if (random.chance(0.85)) {
      profile.transactions = {
        spend30d: random.money(0, 80_000),
        spend90d: random.money(0, 240_000),
        spendByCategory30d: {
          home_furnishing: random.chance(0.2) ? random.money(0, 50_000) : 0,
          education: random.chance(0.1) ? random.money(0, 40_000) : 0,
          travel: random.money(0, 20_000),
          auto: random.chance(0.05) ? random.money(0, 100_000) : 0,
          gambling: random.chance(0.01) ? random.money(100, 10_000) : 0,
        },
        largeCashWithdrawals30d: random.int(0, 3),
      };
    }
    if (random.chance(0.7)) {
      profile.bureau = {
        score: random.chance(0.95) ? random.int(300, 850) : null,
        reportDate: random.date(now, 0, 365),
        inquiries3m: random.int(0, 8),
        inquiries6m: random.int(0, 12),
        otherLenders: random.int(0, 6),
        otherDebt: random.money(0, 1_000_000),
        maxDpd24m: random.chance(0.1) ? random.int(1, 180) : 0,
        dishonestDebtor: random.chance(0.005),
        thinFile: random.chance(0.1),
      };
    }
    if (random.chance(0.8)) {
      profile.digital = {
        appLastLoginAt: random.chance(0.9) ? random.date(now, 0, 400) : null,
        appLogins30d: random.int(0, 60),
        loanPageViews7d: random.int(0, 6),
        loanCalculatorUses30d: random.int(0, 4),
        applicationsStarted30d: random.int(0, 2),
        applicationsSubmitted30d: random.int(0, 1),
        wechatBound: random.chance(0.6),
        pushEnabled: random.chance(0.5),
      };
    }
    profile.contact = {
      phoneChanges90d: random.int(0, 3),
      addressChanges90d: random.int(0, 2),
      deviceChanges30d: random.int(0, 3),
    };
    if (random.chance(0.9)) {
      profile.marketing = {
        optOut: random.chance(0.05),
        doNotCall: random.chance(0.05),
        contacts30d: random.int(0, 9),
        responses180d: random.int(0, 3),
        lastResponseAt: random.chance(0.5) ? random.date(now, 0, 400) : null,
        preferredChannel: random.chance(0.9) ? random.pick(CHANNELS) : null,
        complaints90d: random.chance(0.03) ? 1 : 0,
      };
    }
    profiles.push(profile);
  }
  return profiles;
}
