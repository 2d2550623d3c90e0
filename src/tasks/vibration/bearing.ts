/**
 * Bearing defect frequencies from shaft speed and geometry (Harris, "Rolling Bearing Analysis";
 * Randall & Antoni 2011). For n rolling elements of diameter d on pitch diameter D, contact angle φ,
 * shaft frequency fr = rpm/60:
 *
 *   BPFO = n/2 · fr · (1 − d/D·cos φ)           outer-race defect
 *   BPFI = n/2 · fr · (1 + d/D·cos φ)           inner-race defect
 *   BSF  = D/d · fr · (1 − (d/D·cos φ)²)         ball defect (twice the ball spin: it strikes both races; CWRU's convention)
 *   FTF  = fr/2 · (1 − d/D·cos φ)               cage
 *
 * The CWRU drive-end bearing is an SKF 6205-2RS JEM: 9 balls, d = 0.3126″, D = 1.537″, φ = 0, which
 * gives the multiples of shaft speed in ../shared/data/DATASETS.md: BPFI 5.4152, BPFO 3.5848,
 * BSF 4.7135, FTF 0.3983.
 */

/** Rolling-bearing geometry. */
export interface BearingGeometry {
  readonly name: string;
  readonly balls: number;
  /** Ball diameter (any length unit, same as pitchDiameter). */
  readonly ballDiameter: number;
  readonly pitchDiameter: number;
  readonly contactAngleDeg: number;
}

/** SKF 6205-2RS JEM, the CWRU drive-end bearing (inches). */
export const SKF_6205: BearingGeometry = { name: 'SKF 6205-2RS JEM', balls: 9, ballDiameter: 0.3126, pitchDiameter: 1.537, contactAngleDeg: 0 };

/** Defect frequencies in Hz. */
export interface DefectFrequencies {
  readonly shaftHz: number;
  readonly bpfiHz: number;
  readonly bpfoHz: number;
  readonly bsfHz: number;
  readonly ftfHz: number;
}

/** Defect frequencies of `g` at `rpm` shaft speed. */
export function defectFrequencies(rpm: number, g: BearingGeometry = SKF_6205): DefectFrequencies {
  const fr = rpm / 60;
  const r = (g.ballDiameter / g.pitchDiameter) * Math.cos((g.contactAngleDeg * Math.PI) / 180);
  return {
    shaftHz: fr,
    bpfiHz: (g.balls / 2) * fr * (1 + r),
    bpfoHz: (g.balls / 2) * fr * (1 - r),
    bsfHz: (g.pitchDiameter / g.ballDiameter) * fr * (1 - r * r),
    ftfHz: (fr / 2) * (1 - r),
  };
}
