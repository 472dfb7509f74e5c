//! Which points are worth a look: the Pareto fronts the report draws, and the one best point the
//! sweep names.

use super::result::{PointResult, Status};

/// The Pareto front of `(id, x, y)` points, both coordinates minimised: the ids of the points no other
/// point beats, in increasing x (so decreasing y).
///
/// Points with the same coordinates do not dominate each other, so a grid sweep with an axis that moves
/// neither objective would put every copy on the front; instead ties go to the lowest id, which makes
/// the front the same whatever order the results arrive in. Non-finite points are ignored.
pub fn pareto(points: &[(usize, f64, f64)]) -> Vec<usize> {
    let mut sorted: Vec<&(usize, f64, f64)> = points
        .iter()
        .filter(|(_, x, y)| x.is_finite() && y.is_finite())
        .collect();
    sorted.sort_by(|a, b| {
        a.1.total_cmp(&b.1)
            .then(a.2.total_cmp(&b.2))
            .then(a.0.cmp(&b.0))
    });
    // In (x, y, id) order a point is beaten exactly when something before it has y at or below its own.
    let mut front = Vec::new();
    let mut best_y = f64::INFINITY;
    for &&(id, _, y) in &sorted {
        if y < best_y {
            front.push(id);
            best_y = y;
        }
    }
    front
}

/// Latencies this close to the fastest count as tied: the sweep's segment timing is within 0.2% of
/// the whole-frame engine, and points that differ only by fm_t differ by a few cycles of routing.
pub const LATENCY_TIE: f64 = 0.002;

/// The fastest point that fits; among those within [`LATENCY_TIE`] of it, the most accurate (then
/// the fastest, then the lowest id), so a cheaper format does not win on routing noise.
pub fn best_point(points: &[&PointResult]) -> Option<usize> {
    let feasible = points.iter().filter(|p| p.status == Status::Ok);
    let fastest = feasible
        .clone()
        .map(|p| p.latency_ms)
        .min_by(f64::total_cmp)?;
    let mse = |p: &PointResult| p.accuracy.as_ref().map_or(f64::INFINITY, |a| a.mse);
    feasible
        .filter(|p| p.latency_ms <= fastest * (1.0 + LATENCY_TIE))
        .min_by(|a, b| {
            mse(a)
                .total_cmp(&mse(b))
                .then(a.latency_ms.total_cmp(&b.latency_ms))
                .then(a.id.cmp(&b.id))
        })
        .map(|p| p.id)
}

/// The point that fits with the least energy a frame (then the fastest, then the lowest id).
pub fn least_energy(points: &[&PointResult]) -> Option<usize> {
    points
        .iter()
        .filter(|p| p.status == Status::Ok)
        .filter_map(|p| p.energy.as_ref().map(|e| (e.energy_mj, *p)))
        .min_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.latency_ms.total_cmp(&b.1.latency_ms))
                .then(a.1.id.cmp(&b.1.id))
        })
        .map(|(_, p)| p.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use golden::rng::SplitMix64;

    /// `a` is at least as good as `b` on both and better on one, or equal with the lower id.
    fn covers(a: &(usize, f64, f64), b: &(usize, f64, f64)) -> bool {
        let le = a.1 <= b.1 && a.2 <= b.2;
        let lt = a.1 < b.1 || a.2 < b.2;
        le && (lt || a.0 < b.0)
    }

    #[test]
    fn pareto_keeps_the_staircase_in_x_order() {
        let pts = [
            (0, 1.0, 10.0),
            (1, 2.0, 8.0),
            (2, 2.0, 9.0), // beaten by 1
            (3, 3.0, 8.0), // beaten by 1 (same y, more x)
            (4, 5.0, 2.0),
            (5, 4.0, 6.0),
        ];
        assert_eq!(pareto(&pts), [0, 1, 5, 4]);
    }

    #[test]
    fn pareto_ties_go_to_the_lowest_id_whatever_the_order() {
        let a = [(7, 1.0, 1.0), (3, 1.0, 1.0), (5, 1.0, 1.0)];
        assert_eq!(pareto(&a), [3]);
        let mut b = a;
        b.reverse();
        assert_eq!(pareto(&b), [3]);
    }

    #[test]
    fn pareto_ignores_non_finite_points() {
        let pts = [(0, f64::NAN, 0.0), (1, 1.0, f64::INFINITY), (2, 3.0, 3.0)];
        assert_eq!(pareto(&pts), [2]);
        assert!(pareto(&[]).is_empty());
    }

    /// Property: over random sets dense in ties, no front point is covered by any point, and every
    /// other point is covered by a front point.
    #[test]
    fn pareto_front_is_exactly_the_uncovered_points() {
        let mut rng = SplitMix64::new(42);
        for case in 0..2_000 {
            let n = rng.below(40) as usize;
            // Few distinct coordinates, so equal x, equal y and equal points all occur.
            let span = 1 + rng.below(12);
            let mut pts: Vec<(usize, f64, f64)> = (0..n)
                .map(|i| {
                    (
                        i * 3 % 101,
                        rng.below(span) as f64,
                        rng.below(span) as f64 * 0.5,
                    )
                })
                .collect();
            // Shuffle, so the result cannot lean on input order.
            for i in (1..pts.len()).rev() {
                pts.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let front = pareto(&pts);
            let on = |p: &(usize, f64, f64)| front.contains(&p.0);
            for p in &pts {
                if on(p) {
                    assert!(
                        !pts.iter().any(|q| covers(q, p)),
                        "case {case}: {p:?} covered in {pts:?}"
                    );
                } else {
                    assert!(
                        pts.iter().any(|q| on(q) && covers(q, p)),
                        "case {case}: {p:?} uncovered by {front:?} in {pts:?}"
                    );
                }
            }
            let xs: Vec<f64> = front
                .iter()
                .map(|id| pts.iter().find(|p| p.0 == *id).unwrap().1)
                .collect();
            assert!(xs.windows(2).all(|w| w[0] < w[1]), "case {case}: {xs:?}");
        }
    }
}
