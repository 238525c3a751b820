import { daysBefore, isoDate, isoDateTime, monthsBefore } from './profile-dates';
import { Random } from './random';

export interface CustomerRecord {
  customerId: string;
  profile: Record<string, unknown>;
}

export interface SyntheticOptions {
  customers: number;
  seed: number;
  // Every date in a profile is relative to this instant (epoch ms), so output is reproducible.
  now: number;
}

type Occupation =
  | 'civil_servant'
  | 'salaried'
  | 'self_employed'
  | 'business_owner'
  | 'freelancer'
  | 'student'
  | 'retired'
  | 'unemployed';

type Scenario =
  'home_purchase' | 'renovation' | 'education' | 'car_purchase' | 'business_turnover' | 'consumption';

const PROVINCES: Record<number, readonly string[]> = {
  1: ['Beijing', 'Shanghai', 'Guangdong'],
  2: ['Zhejiang', 'Jiangsu', 'Sichuan', 'Hubei', 'Shaanxi', 'Shandong', 'Fujian', 'Tianjin', 'Chongqing'],
  3: ['Henan', 'Hunan', 'Anhui', 'Hebei', 'Jiangxi', 'Guangxi', 'Yunnan', 'Liaoning', 'Shanxi'],
  4: [
    'Guizhou',
    'Gansu',
    'Jilin',
    'Heilongjiang',
    'Inner Mongolia',
    'Xinjiang',
    'Hainan',
    'Ningxia',
    'Qinghai',
  ],
};

const CITY_INCOME = [0, 1.8, 1.3, 1.0, 0.8];
const BASE_SALARY: Record<Occupation, number> = {
  civil_servant: 9000,
  salaried: 7500,
  self_employed: 9000,
  business_owner: 16000,
  freelancer: 6500,
  student: 1500,
  retired: 3800,
  unemployed: 0,
};
const EDUCATION_INCOME: Record<string, number> = {
  primary: 0.7,
  secondary: 0.85,
  associate: 1.0,
  bachelor: 1.2,
  postgraduate: 1.45,
  other: 0.9,
};

/** `count` synthetic customers, one at a time (flat memory), deterministic per seed. */
export function* syntheticProfiles(options: SyntheticOptions): Generator<CustomerRecord> {
  for (let index = 0; index < options.customers; index += 1) {
    yield syntheticCustomer(options.seed, index, options.now);
  }
}

/** Customer number `index` (0-based) of a seed: C0000001 is index 0. */
export function syntheticCustomer(seed: number, index: number, now: number): CustomerRecord {
  return {
    customerId: `C${String(index + 1).padStart(7, '0')}`,
    profile: new Customer(Random.forItem(seed, index), now).profile(),
  };
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
const roundTo = (value: number, step: number): number => Math.max(0, Math.round(value / step) * step);
const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

// One customer's latent traits (age, income, risk, intent) drive every section, so fields correlate.
class Customer {
  private readonly age: number;
  private readonly occupation: Occupation;
  private readonly cityTier: number;
  private readonly education: string;
  private readonly married: boolean;
  private readonly homeOwnership: string;
  private readonly salary: number;
  private readonly aum: number;
  // Standard-normal credit risk: high values are late payers, low values are prime.
  private readonly risk: number;
  private readonly scenario: Scenario | undefined;
  private readonly dormant: boolean;
  private readonly appUser: boolean;
  private readonly loans: Record<string, unknown>[];
  private readonly cards: Record<string, unknown>[];

  constructor(
    private readonly random: Random,
    private readonly now: number,
  ) {
    this.age = this.drawAge();
    this.occupation = this.drawOccupation();
    this.cityTier = random.pick([1, 2, 3, 4] as const, [15, 30, 30, 25]);
    this.education = this.drawEducation();
    this.married = this.drawMarried();
    this.homeOwnership = this.drawHomeOwnership();
    this.salary = this.drawSalary();
    this.aum = this.drawAum();
    this.risk =
      random.normal() +
      (this.occupation === 'unemployed' ? 0.8 : 0) +
      (this.age < 25 ? 0.3 : 0) +
      (this.salary > 0 && this.salary < 4000 ? 0.4 : 0) -
      (this.aum > 500_000 ? 0.6 : 0);
    this.scenario = random.chance(0.14) ? this.drawScenario() : undefined;
    this.dormant = random.chance(0.08);
    this.appUser = !this.dormant && random.chance(this.age >= 60 ? 0.4 : 0.8);
    this.loans = this.drawLoans();
    this.cards = this.drawCards();
  }

  profile(): Record<string, unknown> {
    const r = this.random;
    const profile: Record<string, unknown> = {
      demographics: this.demographics(),
      relationship: this.relationship(),
    };
    if (r.chance(0.97)) profile.deposits = this.deposits();
    const income = this.income();
    if (income !== undefined) profile.income = income;
    if (this.loans.length > 0) profile.loans = this.loans;
    if (this.cards.length > 0) profile.cards = this.cards;
    profile.transactions = this.transactions();
    // About 15 % have no bureau report (never queried, or no consent).
    if (this.age >= 18 && r.chance(0.85)) profile.bureau = this.bureau();
    profile.digital = this.digital();
    if (r.chance(0.9)) profile.contact = this.contact();
    if (r.chance(0.85)) profile.marketing = this.marketing();
    return profile;
  }

  // ---------------------------------------------------------------- latent traits
  private drawAge(): number {
    const r = this.random;
    const band = r.pick(
      [
        [12, 17],
        [18, 21],
        [22, 30],
        [31, 45],
        [46, 59],
        [60, 80],
      ] as const,
      [1, 5, 22, 35, 24, 13],
    );
    return r.int(band[0], band[1]);
  }

  private drawOccupation(): Occupation {
    const r = this.random;
    // Minors hold savings accounts opened with their parents.
    if (this.age < 18) return 'student';
    if (this.age < 23) {
      return r.pick(['student', 'salaried', 'freelancer', 'unemployed'] as const, [55, 33, 6, 6]);
    }
    if (this.age >= 60) {
      return r.pick(
        ['retired', 'business_owner', 'self_employed', 'salaried', 'unemployed'] as const,
        [82, 5, 6, 4, 3],
      );
    }
    return r.pick(
      [
        'salaried',
        'civil_servant',
        'self_employed',
        'business_owner',
        'freelancer',
        'unemployed',
        'retired',
      ] as const,
      [55, 8, 12, 6, 8, 5, this.age >= 55 ? 25 : 0],
    );
  }

  private drawEducation(): string {
    const r = this.random;
    if (this.occupation === 'civil_servant')
      return r.pick(['bachelor', 'postgraduate', 'associate'] as const, [65, 25, 10]);
    if (this.age >= 55)
      return r.pick(['primary', 'secondary', 'associate', 'bachelor'] as const, [30, 45, 15, 10]);
    return r.pick(
      ['primary', 'secondary', 'associate', 'bachelor', 'postgraduate', 'other'] as const,
      [6, 30, 24, 30, 8, 2],
    );
  }

  private drawMarried(): boolean {
    const age = this.age;
    return age >= 18 && this.random.chance(age < 25 ? 0.12 : age < 30 ? 0.45 : age < 36 ? 0.72 : 0.82);
  }

  private drawHomeOwnership(): string {
    const r = this.random;
    if (this.age < 18) return 'family';
    if (this.age < 25) return r.pick(['family', 'renter', 'owner'] as const, [60, 38, 2]);
    if (this.age < 35) return r.pick(['renter', 'family', 'mortgaged', 'owner'] as const, [40, 15, 35, 10]);
    if (this.age < 50) return r.pick(['renter', 'family', 'mortgaged', 'owner'] as const, [15, 5, 45, 35]);
    return r.pick(['renter', 'family', 'mortgaged', 'owner'] as const, [8, 7, 15, 70]);
  }

  private drawSalary(): number {
    const base = BASE_SALARY[this.occupation];
    if (base === 0 || this.age < 18) return 0;
    const ageCurve = this.age < 30 ? 0.75 + (this.age - 22) * 0.04 : this.age < 50 ? 1.1 : 1.0;
    const expected = base * CITY_INCOME[this.cityTier] * EDUCATION_INCOME[this.education] * ageCurve;
    return roundTo(this.random.logNormal(expected, 0.4), 100);
  }

  private drawAum(): number {
    const years = Math.max(1, this.age - 21);
    const income = this.salary > 0 ? this.salary : 3000;
    const savings = income * 12 * years * 0.04 * (this.occupation === 'business_owner' ? 1.6 : 1);
    return round2(this.random.logNormal(savings, 1.1));
  }

  private drawScenario(): Scenario {
    const r = this.random;
    const business = this.occupation === 'business_owner' || this.occupation === 'self_employed';
    return r.pick(
      [
        'home_purchase',
        'renovation',
        'education',
        'car_purchase',
        'business_turnover',
        'consumption',
      ] as const,
      [
        this.homeOwnership === 'renter' || this.homeOwnership === 'family' ? 20 : 2,
        this.homeOwnership === 'owner' || this.homeOwnership === 'mortgaged' ? 18 : 1,
        this.married ? 12 : 6,
        15,
        business ? 40 : 0,
        22,
      ],
    );
  }

  // ---------------------------------------------------------------- sections
  private demographics(): Record<string, unknown> {
    const r = this.random;
    const demographics: Record<string, unknown> = {
      birthDate: isoDate(daysBefore(this.now, this.age * 365.25 + r.int(0, 360))),
      gender: r.pick(['female', 'male', 'other'] as const, [49.6, 50.2, 0.2]),
      maritalStatus: this.married
        ? 'married'
        : this.age < 35
          ? 'single'
          : r.pick(['single', 'divorced', 'widowed', 'other'] as const, [45, 40, this.age >= 55 ? 30 : 5, 3]),
      education: this.education,
      occupation: this.occupation,
      employerType: this.employerType(),
      cityTier: this.cityTier,
      province: PROVINCES[this.cityTier][r.int(0, PROVINCES[this.cityTier].length - 1)],
      homeOwnership: this.homeOwnership,
    };
    if (this.married || (this.age >= 18 && r.chance(0.05))) {
      demographics.children = r.pick([0, 1, 2, 3] as const, [20, 50, 26, 4]);
    }
    const moved = r.chance(0.06) ? r.int(5, 180) : r.int(181, Math.max(400, (this.age - 18) * 365));
    demographics.residenceSince = isoDate(daysBefore(this.now, moved));
    return demographics;
  }

  private employerType(): string {
    const r = this.random;
    switch (this.occupation) {
      case 'civil_servant':
        return r.pick(['government', 'public_institution'] as const, [70, 30]);
      case 'salaried':
        return r.pick(
          [
            'private_enterprise',
            'state_owned_enterprise',
            'public_institution',
            'listed_company',
            'foreign_enterprise',
          ] as const,
          [48, 20, 10, 12, 10],
        );
      case 'self_employed':
        return 'sole_proprietorship';
      case 'business_owner':
        return 'private_enterprise';
      case 'freelancer':
      case 'student':
      case 'retired':
      case 'unemployed':
        return 'none';
    }
  }

  private relationship(): Record<string, unknown> {
    const r = this.random;
    const maxTenureDays = Math.max(30, (this.age - 18) * 365);
    // Tenure is roughly exponential (mean about 6 years), capped by adulthood; 4 % joined in the last 90 days.
    const tenureDays = r.chance(0.04)
      ? r.int(1, 89)
      : Math.round(clamp(90 - Math.log(1 - r.next()) * 6 * 365, 90, Math.min(maxTenureDays, 25 * 365)));
    const productCount =
      1 +
      this.loans.filter((loan) => loan.status === 'active').length +
      this.cards.length +
      (this.aum > 100_000 && r.chance(0.5) ? 1 : 0);
    const relationship: Record<string, unknown> = {
      customerSince: isoDate(daysBefore(this.now, tenureDays)),
      branchId: `BR-${String(r.int(1, 240)).padStart(3, '0')}`,
      kycStatus: r.pick(['complete', 'pending', 'expired', 'rejected'] as const, [90, 3, 6, 1]),
      isEmployee: r.chance(0.005),
      productCount,
    };
    if (r.chance(this.aum >= 500_000 ? 0.85 : 0.04))
      relationship.relationshipManager = `RM-${String(r.int(1, 900)).padStart(4, '0')}`;
    return relationship;
  }

  private deposits(): Record<string, unknown> {
    const r = this.random;
    const wealthProductCount = r.chance(clamp(this.aum / 1_000_000, 0.03, 0.85)) ? r.int(1, 5) : 0;
    const liquid = wealthProductCount > 0 ? this.aum * r.uniform(0.25, 0.6) : this.aum;
    const trend = r.pick(['rising', 'stable', 'falling'] as const, [25, 63, 12]);
    const avgBalance12m = liquid * r.uniform(0.8, 1.2);
    let avgBalance3m =
      trend === 'rising' ? avgBalance12m * r.uniform(1.02, 1.5) : avgBalance12m * r.uniform(0.9, 1.1);
    if (trend === 'falling') avgBalance3m = avgBalance12m * r.uniform(0.5, 0.97);
    // A few accounts are emptied suddenly.
    const balance = r.chance(0.015)
      ? avgBalance3m * r.uniform(0, 0.25)
      : avgBalance3m * r.uniform(0.85, 1.15);
    return {
      balance: round2(balance),
      avgBalance3m: round2(avgBalance3m),
      avgBalance12m: round2(avgBalance12m),
      aum: round2(Math.max(this.aum, balance)),
      wealthProductCount,
      balanceTrend3m: trend,
    };
  }

  private income(): Record<string, unknown> | undefined {
    const r = this.random;
    if (this.salary === 0 || r.chance(0.12)) return undefined;
    const payroll = (this.occupation === 'salaried' || this.occupation === 'civil_servant') && r.chance(0.5);
    const income: Record<string, unknown> = { payrollAtBank: payroll, monthlySalary: this.salary };
    const raise =
      this.occupation === 'retired'
        ? r.normal() * 2
        : r.chance(0.06)
          ? r.uniform(15, 45)
          : r.normal() * 6 + 4;
    income.salaryIncreasePct12m = Math.round(Math.max(-60, raise) * 10) / 10;
    if (payroll) {
      const history = Array.from({ length: 6 }, () => roundTo(this.salary * r.uniform(0.95, 1.05), 10));
      let lastSalary = r.int(3, 30);
      // Salary stops (job loss) or drops sharply for a few payroll customers.
      const anomaly = r.chance(0.015 + (this.risk > 1.5 ? 0.04 : 0))
        ? r.pick(['stopped', 'dropped'] as const, [1, 1])
        : undefined;
      if (anomaly === 'stopped') {
        history[0] = 0;
        history[1] = 0;
        lastSalary = r.int(63, 100);
      } else if (anomaly === 'dropped') {
        history[0] = roundTo(history[0] * r.uniform(0.3, 0.65), 10);
      }
      income.salaryHistory6m = history;
      income.lastSalaryDate = isoDate(daysBefore(this.now, lastSalary));
    }
    return income;
  }

  private drawLoans(): Record<string, unknown>[] {
    const r = this.random;
    const loans: Record<string, unknown>[] = [];
    if (this.occupation === 'student' || this.age > 75) return loans;
    if (this.homeOwnership === 'mortgaged') loans.push(this.loan('mortgage', 'active'));
    if (r.chance(0.1 + (this.scenario === 'car_purchase' ? -0.08 : 0)))
      loans.push(this.loan('car', 'active'));
    if (r.chance(0.15 + Math.max(0, this.risk) * 0.06)) loans.push(this.loan('consumer', 'active'));
    if ((this.occupation === 'business_owner' || this.occupation === 'self_employed') && r.chance(0.35)) {
      loans.push(this.loan('business', 'active'));
    }
    if (r.chance(0.06)) loans.push(this.loan('credit_line', 'active'));
    const closed = r.pick([0, 1, 2, 3] as const, [62, 22, 10, 6]);
    for (let i = 0; i < closed; i += 1)
      loans.push(this.loan(r.pick(['consumer', 'car', 'business'] as const, [60, 30, 10]), 'closed'));
    // Write-offs are rare and follow the worst risk.
    if (this.risk > 2.3 && r.chance(0.25)) loans.push(this.loan('consumer', 'written_off'));
    return loans;
  }

  private loan(type: string, status: 'active' | 'closed' | 'written_off'): Record<string, unknown> {
    const r = this.random;
    const income = Math.max(this.salary, 4000);
    const terms =
      type === 'mortgage'
        ? r.pick([240, 300, 360] as const, [50, 20, 30])
        : type === 'car'
          ? 36
          : type === 'credit_line'
            ? 12
            : r.pick([12, 24, 36] as const, [40, 35, 25]);
    const principal = roundTo(
      type === 'mortgage'
        ? income * r.uniform(25, 75)
        : type === 'car'
          ? r.uniform(60_000, 200_000)
          : income * (type === 'business' ? r.uniform(3, 15) : r.uniform(1, 5)),
      1000,
    );
    const rate =
      type === 'mortgage' ? r.uniform(3.1, 4.3) : type === 'car' ? r.uniform(3.5, 6) : r.uniform(3.6, 12);
    const monthlyRate = rate / 1200;
    const monthlyPayment = (principal * monthlyRate) / (1 - (1 + monthlyRate) ** -terms);
    const elapsed = status === 'active' ? r.int(1, terms - 1) : terms;
    const openedAt =
      status === 'active' ? monthsBefore(this.now, elapsed) : monthsBefore(this.now, elapsed + r.int(1, 60));
    const remainingTerms = status === 'active' ? terms - elapsed : 0;
    const remainingShare = remainingTerms / terms;
    const loan: Record<string, unknown> = {
      loanId: `L${r.int(10_000_000, 99_999_999)}`,
      type,
      status,
      principal,
      outstanding:
        status === 'closed'
          ? 0
          : roundTo(principal * (status === 'written_off' ? r.uniform(0.3, 0.9) : remainingShare), 1),
      rate: Math.round(rate * 100) / 100,
      monthlyPayment: round2(monthlyPayment),
      openedAt: isoDate(openedAt),
      maturityDate: isoDate(monthsBefore(openedAt, -terms)),
      remainingTerms,
    };
    const { currentDpd, maxDpd } = this.delinquency(status === 'active');
    loan.currentDpd = status === 'written_off' ? r.int(180, 720) : currentDpd;
    loan.maxDpd12m = status === 'written_off' ? 180 : maxDpd;
    loan.onTimePayments24m = Math.max(0, Math.min(24, elapsed) - (maxDpd > 0 ? r.int(1, 4) : 0));
    if (status === 'closed') {
      const prepaid = r.chance(0.2);
      loan.prepaid = prepaid;
      // Prepaid (and some other) loans closed before maturity, but never before they were opened.
      const daysOpen = Math.floor((this.now - openedAt) / 86_400_000);
      loan.closedAt = isoDate(
        prepaid || r.chance(0.3)
          ? daysBefore(this.now, r.int(5, Math.max(6, Math.min(400, daysOpen - 30))))
          : monthsBefore(openedAt, -terms),
      );
      loan.currentDpd = 0;
    } else if (status === 'active') {
      loan.prepaid = r.chance(0.05);
    }
    return loan;
  }

  // Days past due now and worst in 12 months, driven by the latent risk.
  private delinquency(current: boolean): { currentDpd: number; maxDpd: number } {
    const r = this.random;
    const late = r.chance(clamp(0.02 + Math.max(0, this.risk) * 0.06, 0, 0.5));
    if (!late) return { currentDpd: 0, maxDpd: 0 };
    const maxDpd = r.pick([r.int(1, 29), r.int(30, 89), r.int(90, 180)] as const, [
      60,
      28,
      this.risk > 1.5 ? 18 : 4,
    ]);
    const currentDpd = current && r.chance(0.25 + Math.max(0, this.risk - 1) * 0.2) ? r.int(1, maxDpd) : 0;
    return { currentDpd, maxDpd };
  }

  private drawCards(): Record<string, unknown>[] {
    const r = this.random;
    if (this.age < 18 || (this.occupation === 'student' ? !r.chance(0.15) : !r.chance(0.58))) return [];
    const count = r.pick([1, 2, 3] as const, [65, 25, 10]);
    return Array.from({ length: count }, (_, index) => this.card(index));
  }

  private card(index: number): Record<string, unknown> {
    const r = this.random;
    const limit = roundTo(Math.max(this.salary, 3000) * r.uniform(1.5, 5), 1000);
    const stressed = this.risk > 1 && r.chance(0.5);
    const utilization = stressed
      ? r.uniform(0.6, 1.05)
      : r.chance(0.12)
        ? r.uniform(0.8, 1)
        : r.uniform(0, 0.6);
    const spike = r.chance(0.02 + (stressed ? 0.05 : 0));
    const avgUtilization6m = spike
      ? Math.max(0, utilization - r.uniform(0.3, 0.6))
      : clamp(utilization + r.uniform(-0.1, 0.1), 0, 1.1);
    const { currentDpd, maxDpd } = this.delinquency(true);
    const card: Record<string, unknown> = {
      cardId: `K${r.int(10_000_000, 99_999_999)}`,
      status: r.chance(0.97) ? 'active' : 'frozen',
      openedAt: isoDate(daysBefore(this.now, r.int(60, 15 * 365))),
      limit,
      balance: round2(limit * utilization),
      utilization: Math.round(utilization * 1000) / 1000,
      avgUtilization6m: Math.round(avgUtilization6m * 1000) / 1000,
      lastStatementBalance: round2(limit * avgUtilization6m),
      lastPaymentAmount: round2(limit * avgUtilization6m * (stressed ? 0.1 : r.uniform(0.1, 1))),
      currentDpd,
      consecutiveOverdueDays: currentDpd,
      maxDpd6m: Math.min(maxDpd, 180),
      minPaymentOnly3m: r.chance(stressed ? 0.35 : 0.025),
      cashAdvance30d: r.chance(stressed ? 0.15 : 0.01) ? roundTo(limit * r.uniform(0.05, 0.3), 100) : 0,
    };
    if (index > 0 && r.chance(0.1)) card.status = 'closed';
    return card;
  }

  private transactions(): Record<string, unknown> {
    const r = this.random;
    const income = Math.max(this.salary, 2500);
    const spend30d = income * r.uniform(0.25, 0.75);
    const shares: Record<string, number> = {
      groceries: r.uniform(0.15, 0.3),
      dining: r.uniform(0.08, 0.2),
      travel: r.chance(0.2) ? r.uniform(0.05, 0.4) : 0,
      utilities: r.uniform(0.03, 0.08),
      entertainment: r.uniform(0, 0.1),
      medical: r.chance(0.15) ? r.uniform(0.02, 0.2) : 0,
      electronics: r.chance(0.12) ? r.uniform(0.05, 0.3) : 0,
      other: r.uniform(0.05, 0.2),
    };
    const shareTotal = Object.values(shares).reduce((sum, share) => sum + share, 0);
    // Everyday spending adds up to spend30d; a loan-need scenario adds big tickets on top.
    const categories: Record<string, number> = {};
    for (const [category, share] of Object.entries(shares))
      categories[category] = (spend30d * share) / shareTotal;
    this.addScenarioSpend(categories);
    if (r.chance(0.01 + (this.risk > 1.5 ? 0.03 : 0)))
      categories.gambling = roundTo(r.uniform(200, 20_000), 10);
    if (this.married && r.chance(0.2))
      categories.education = (categories.education ?? 0) + r.uniform(300, 4000);
    const spendByCategory30d: Record<string, number> = {};
    for (const [category, amount] of Object.entries(categories)) {
      if (amount > 0) spendByCategory30d[category] = round2(amount);
    }
    const total = Object.values(spendByCategory30d).reduce((sum, amount) => sum + amount, 0);
    const cashHeavy = r.chance(0.01 + (this.risk > 1.5 ? 0.02 : 0));
    const lastActive = this.dormant ? r.int(91, 500) : r.chance(0.9) ? r.int(0, 10) : r.int(11, 90);
    const business = this.occupation === 'business_owner' || this.occupation === 'self_employed';
    return {
      spend30d: this.dormant ? 0 : round2(total),
      spend90d: this.dormant ? 0 : round2(total * r.uniform(2.6, 3.4)),
      ...(this.dormant ? {} : { spendByCategory30d }),
      largeCashWithdrawals30d: cashHeavy ? r.int(2, 6) : r.chance(0.03) ? 1 : 0,
      cashWithdrawalAmount30d: cashHeavy
        ? roundTo(r.uniform(100_000, 400_000), 100)
        : roundTo(r.uniform(0, 3000), 100),
      incomingTransfers30d: this.dormant
        ? 0
        : round2(
            business
              ? this.salary * (this.scenario === 'business_turnover' ? r.uniform(8, 30) : r.uniform(1, 8))
              : this.salary * r.uniform(0, 1.2),
          ),
      transactionCount30d: this.dormant ? 0 : r.int(5, 120),
      lastTransactionAt: isoDateTime(daysBefore(this.now, lastActive + r.uniform(0, 0.99))),
    };
  }

  private addScenarioSpend(categories: Record<string, number>): void {
    const r = this.random;
    switch (this.scenario) {
      case 'renovation':
        categories.home_furnishing = r.uniform(5000, 60_000);
        return;
      case 'home_purchase':
        categories.home_furnishing = r.chance(0.3) ? r.uniform(1000, 6000) : 0;
        return;
      case 'car_purchase':
        categories.auto = r.uniform(5000, 30_000);
        return;
      case 'education':
        categories.education = r.uniform(5000, 50_000);
        return;
      case 'consumption':
        categories.electronics = (categories.electronics ?? 0) + r.uniform(3000, 15_000);
        categories.luxury = r.chance(0.5) ? r.uniform(2000, 30_000) : 0;
        return;
      case 'business_turnover':
      case undefined:
        if (r.chance(0.04)) categories.home_furnishing = r.uniform(200, 4000);
        if (r.chance(0.06)) categories.auto = r.uniform(200, 3000);
        return;
    }
  }

  private bureau(): Record<string, unknown> {
    const r = this.random;
    const worstOwn = Math.max(
      0,
      ...this.loans.map((loan) => Number(loan.maxDpd12m)),
      ...this.cards.map((card) => Number(card.maxDpd6m)),
    );
    const elsewhereLate = r.chance(clamp(0.01 + Math.max(0, this.risk) * 0.05, 0, 0.5))
      ? r.pick([15, 45, 120] as const, [50, 30, 20])
      : 0;
    const maxDpd24m = Math.max(worstOwn, elsewhereLate);
    const otherLenders = clamp(r.poisson(0.8 + Math.max(0, this.risk) * 1.2), 0, 15);
    // No credit anywhere means a thin file (白户); young borrowers often have one too.
    const noCredit = otherLenders === 0 && this.loans.length === 0 && this.cards.length === 0;
    const thinFile = noCredit || r.chance(this.age < 26 ? 0.15 : 0.02);
    const otherDebt =
      otherLenders === 0 ? 0 : roundTo(otherLenders * Math.max(this.salary, 3000) * r.uniform(0.5, 3), 100);
    const ownPayments = this.loans
      .filter((loan) => loan.status === 'active')
      .reduce((sum, loan) => sum + Number(loan.monthlyPayment), 0);
    const intentInquiries = this.scenario !== undefined && r.chance(0.4) ? r.int(1, 3) : 0;
    const inquiries3m = r.poisson(0.3 + Math.max(0, this.risk) * 0.9) + intentInquiries;
    const score = clamp(
      Math.round(705 - 62 * this.risk - maxDpd24m * 0.6 - otherLenders * 4 + r.normal() * 18),
      300,
      850,
    );
    const bureau: Record<string, unknown> = {
      reportDate: isoDate(daysBefore(this.now, r.chance(0.8) ? r.int(1, 90) : r.int(91, 400))),
      inquiries3m,
      inquiries6m: inquiries3m + r.poisson(0.4 + Math.max(0, this.risk) * 0.6),
      otherLenders,
      otherDebt,
      monthlyDebtPayment: round2(ownPayments + otherDebt * r.uniform(0.02, 0.05)),
      newAccounts3m: Math.min(otherLenders, r.poisson(0.1 + Math.max(0, this.risk) * 0.25)),
      overdueAccounts: elsewhereLate > 0 && r.chance(0.3) ? 1 : 0,
      maxDpd24m,
      dishonestDebtor: this.risk > 2 ? r.chance(0.08) : r.chance(0.0005),
      thinFile,
    };
    // Thin files carry no score.
    if (!thinFile) bureau.score = score;
    return bureau;
  }

  private digital(): Record<string, unknown> {
    const r = this.random;
    const digital: Record<string, unknown> = {
      wechatBound: r.chance(this.age >= 60 ? 0.35 : 0.62),
      pushEnabled: false,
    };
    if (!this.appUser) {
      if (!this.dormant && r.chance(0.5))
        digital.appLastLoginAt = isoDateTime(daysBefore(this.now, r.int(91, 700)));
      if (this.dormant && r.chance(0.4))
        digital.appLastLoginAt = isoDateTime(daysBefore(this.now, r.int(120, 900)));
      digital.appLogins30d = 0;
      return digital;
    }
    const intent =
      this.scenario !== undefined ? r.pick([2, 1, 0] as const, [45, 35, 20]) : r.chance(0.06) ? 1 : 0;
    const started = intent === 2 && r.chance(0.5) ? r.int(1, 2) : intent === 1 && r.chance(0.1) ? 1 : 0;
    digital.appLastLoginAt = isoDateTime(
      daysBefore(this.now, r.chance(0.85) ? r.uniform(0, 20) : r.uniform(20, 90)),
    );
    digital.appLogins30d = r.pick([r.int(1, 3), r.int(4, 10), r.int(11, 40)] as const, [35, 40, 25]);
    digital.loanPageViews7d =
      intent === 0 ? (r.chance(0.1) ? 1 : 0) : intent === 1 ? r.int(1, 3) : r.int(2, 12);
    digital.loanCalculatorUses30d = intent === 2 ? r.int(1, 6) : intent === 1 && r.chance(0.3) ? 1 : 0;
    digital.applicationsStarted30d = started;
    digital.applicationsSubmitted30d = started > 0 && r.chance(0.45) ? started : 0;
    if (r.chance(intent > 0 ? 0.35 : 0.05)) {
      digital.preApprovedOfferViewedAt = isoDateTime(
        daysBefore(this.now, r.uniform(0, intent > 0 ? 30 : 120)),
      );
    }
    digital.pushEnabled = r.chance(0.55);
    return digital;
  }

  private contact(): Record<string, unknown> {
    const r = this.random;
    const churning = r.chance(0.005 + (this.risk > 1.5 ? 0.02 : 0));
    return {
      phoneChanges90d: churning ? r.int(2, 4) : r.chance(0.04) ? 1 : 0,
      addressChanges90d: churning ? r.int(1, 3) : r.chance(0.03) ? 1 : 0,
      deviceChanges30d: churning ? r.int(1, 5) : r.chance(0.06) ? 1 : 0,
      lastContactUpdateAt: isoDateTime(
        daysBefore(this.now, churning ? r.uniform(0, 30) : r.uniform(30, 1500)),
      ),
    };
  }

  private marketing(): Record<string, unknown> {
    const r = this.random;
    const marketing: Record<string, unknown> = {
      optOut: r.chance(0.04),
      doNotCall: r.chance(0.06),
      preferredChannel: this.appUser
        ? r.pick(['app', 'wechat', 'sms', 'phone'] as const, [50, 25, 15, 10])
        : r.pick(['sms', 'phone', 'branch', 'wechat'] as const, [35, 30, 25, 10]),
      complaints90d: r.chance(0.015) ? r.int(1, 2) : 0,
    };
    if (r.chance(0.1)) return marketing;
    const contacts30d = r.chance(0.05) ? r.int(5, 9) : r.pick([0, 1, 2, 3, 4] as const, [40, 30, 20, 7, 3]);
    const responded = r.chance(this.scenario !== undefined ? 0.3 : 0.12);
    marketing.contacts30d = contacts30d;
    marketing.contacts12m = contacts30d + r.int(0, 20);
    marketing.lastContactAt = isoDateTime(
      daysBefore(this.now, contacts30d > 0 ? r.uniform(0, 30) : r.uniform(30, 365)),
    );
    marketing.responses180d = responded ? r.int(1, 3) : 0;
    if (responded) marketing.lastResponseAt = isoDateTime(daysBefore(this.now, r.uniform(1, 180)));
    marketing.campaignsConverted12m = responded && r.chance(0.4) ? 1 : 0;
    marketing.lastCampaignOutcome = responded
      ? r.pick(['success', 'failure', 'other'] as const, [40, 45, 15])
      : 'failure';
    return marketing;
  }
}
