// ml-logistic-regression ships no types; this is the part of its API the trainer uses.
declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';

  interface TwoClassModel {
    weights: Matrix;
    train(features: Matrix, target: Matrix): void;
    testScores(features: Matrix): number[];
  }

  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    classifiers: TwoClassModel[];
    train(features: Matrix, labels: Matrix): void;
    predict(features: Matrix): number[];
    static load(model: {
      name: 'LogisticRegression';
      numberClasses: number;
      classifiers: { numSteps: number; learningRate: number }[];
    }): LogisticRegression;
  }
}
