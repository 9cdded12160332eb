import CGSL

/// Samples a continuous value from a distribution given as data: a histogram of bin
/// edges and counts (uniform within a bin), via `gsl_histogram_pdf`.
public final class HistogramSampler {
    @usableFromInline let pdf: UnsafeMutablePointer<gsl_histogram_pdf>

    /// - Parameters:
    ///   - edges: strictly increasing bin edges (`counts.count + 1` of them).
    ///   - counts: non-negative weight per bin, not all zero.
    public init(edges: [Double], counts: [Double]) throws(DistributionError) {
        _ = GSLSetup.once
        guard counts.count >= 1, edges.count == counts.count + 1 else {
            throw .invalid("histogram: need n ≥ 1 counts and n+1 edges, got \(counts.count) counts and \(edges.count) edges")
        }
        for i in 1..<edges.count where !(edges[i] > edges[i - 1]) || !edges[i].isFinite || !edges[i - 1].isFinite {
            throw .invalid("histogram: edges must be finite and strictly increasing (edge \(i))")
        }
        for (i, c) in counts.enumerated() where !(c.isFinite && c >= 0) {
            throw .invalid("histogram: count \(i) is \(c); counts must be finite and ≥ 0")
        }
        guard counts.contains(where: { $0 > 0 }) else { throw .invalid("histogram: all counts are zero") }
        guard let h = gsl_histogram_alloc(counts.count) else { throw .invalid("histogram: allocation failed") }
        defer { gsl_histogram_free(h) }
        let rc = edges.withUnsafeBufferPointer { gsl_histogram_set_ranges(h, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw .invalid("histogram: gsl_histogram_set_ranges failed (\(rc))") }
        for (i, c) in counts.enumerated() { h.pointee.bin[i] = c }
        guard let p = gsl_histogram_pdf_alloc(counts.count) else { throw .invalid("histogram: pdf allocation failed") }
        let rc2 = gsl_histogram_pdf_init(p, h)
        guard rc2 == 0 else {
            gsl_histogram_pdf_free(p)
            throw .invalid("histogram: gsl_histogram_pdf_init failed (\(rc2))")
        }
        pdf = p
    }

    deinit { gsl_histogram_pdf_free(pdf) }

    /// One value drawn from `stream`.
    @inlinable public func sample(_ stream: RandomStream) -> Double {
        gsl_histogram_pdf_sample(pdf, stream.uniform())
    }
}
