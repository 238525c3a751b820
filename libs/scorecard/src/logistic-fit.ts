import LogisticRegression from 'ml-logistic-regression';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface LogisticFitOptions {
  steps: number;
  // The fit counts as converged when no component of the mean log-likelihood's gradient exceeds this.
  tolerance: number;
}

export const DEFAULT_FIT: LogisticFitOptions = { steps: 300, tolerance: 1e-5 };

export interface LogisticFit {
  intercept: number;
  coefficients: number[];
  library: string;
  steps: number;
  learningRate: number;
  // Largest component of the mean log-likelihood's gradient at the fitted weights.
  gradient: number;
  converged: boolean;
}

export const FIT_LIBRARY = 'ml-logistic-regression 2.0.0 (batch gradient ascent, no regularisation)';

/**
 * Maximum-likelihood logistic regression of labels (0/1) on the given columns, with an intercept.
 *
 * ml-logistic-regression runs a fixed number of gradient steps on the summed log-likelihood, from zero
 * weights, with no intercept and no regularisation of its own: the intercept is a column of ones, and the
 * step is 1/L for L = λmax(XᵀX)/4, the gradient's Lipschitz constant, with which every step improves the
 * likelihood. Convergence is checked afterwards and reported, not assumed.
 */
export function fitLogistic(
  columns: readonly (readonly number[])[],
  labels: readonly number[],
  options: LogisticFitOptions = DEFAULT_FIT,
): LogisticFit {
  const rows = labels.length;
  // Centred and scaled columns keep the problem well conditioned, so few steps converge; the weights are
  // mapped back to the original columns afterwards.
  const centres = columns.map((column) => column.reduce((sum, value) => sum + value, 0) / rows);
  const scales = columns.map((column, index) => {
    const variance = column.reduce((sum, value) => sum + (value - centres[index]) ** 2, 0) / rows;
    return variance > 0 ? Math.sqrt(variance) : 1;
  });
  const design = new Matrix(rows, columns.length + 1);
  for (let row = 0; row < rows; row += 1) {
    design.set(row, 0, 1);
    for (let column = 0; column < columns.length; column += 1)
      design.set(row, column + 1, (columns[column][row] - centres[column]) / scales[column]);
  }
  const gram = design.transpose().mmul(design);
  const largest = Math.max(...new EigenvalueDecomposition(gram, { assumeSymmetric: true }).realEigenvalues);
  const learningRate = 4 / largest;
  // The two-class model on its own: train() would fit one model per class, twice the work for two classes.
  const model = LogisticRegression.load({
    name: 'LogisticRegression',
    numberClasses: 1,
    classifiers: [{ numSteps: options.steps, learningRate }],
  }).classifiers[0];
  model.train(design, Matrix.columnVector([...labels]));
  const scaled = model.weights.to1DArray();
  const gradient = meanGradient(design, labels, scaled);
  const coefficients = scaled.slice(1).map((weight, index) => weight / scales[index]);
  const intercept = scaled[0] - coefficients.reduce((sum, weight, index) => sum + weight * centres[index], 0);
  return {
    intercept,
    coefficients,
    library: FIT_LIBRARY,
    steps: options.steps,
    learningRate,
    gradient,
    converged: gradient <= options.tolerance,
  };
}

function meanGradient(design: Matrix, labels: readonly number[], weights: readonly number[]): number {
  const gradient = new Array<number>(weights.length).fill(0);
  for (let row = 0; row < design.rows; row += 1) {
    let logit = 0;
    for (let column = 0; column < weights.length; column += 1)
      logit += weights[column] * design.get(row, column);
    const residual = labels[row] - 1 / (1 + Math.exp(-logit));
    for (let column = 0; column < weights.length; column += 1)
      gradient[column] += residual * design.get(row, column);
  }
  return Math.max(...gradient.map((value) => Math.abs(value) / design.rows));
}

/** The fitted probability of the event for one row of column values. */
export function probability(
  fit: Pick<LogisticFit, 'intercept' | 'coefficients'>,
  row: readonly number[],
): number {
  let logit = fit.intercept;
  for (let i = 0; i < row.length; i += 1) logit += fit.coefficients[i] * row[i];
  return 1 / (1 + Math.exp(-logit));
}
