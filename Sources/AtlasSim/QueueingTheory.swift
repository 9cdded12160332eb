/// Closed-form results the kernel is validated against.
public enum QueueingTheory {
    /// Steady-state M/M/c figures (Erlang C).
    public struct MMc: Sendable, Equatable {
        /// Probability an arrival waits (all servers busy).
        public var probabilityOfWait: Double
        /// Mean wait in queue, seconds.
        public var meanWaitSeconds: Double
        /// Mean time in system, seconds.
        public var meanSojournSeconds: Double
        /// Mean queue length.
        public var meanQueueLength: Double
        /// Utilisation per server, ρ = λ/(cμ).
        public var utilization: Double
    }

    /// Erlang C for arrival rate λ, service rate μ per server and c servers (ρ < 1),
    /// via the numerically stable Erlang B recursion.
    public static func erlangC(arrivalRatePerSecond lambda: Double, serviceRatePerSecond mu: Double,
                               servers c: Int) -> MMc {
        precondition(lambda > 0 && mu > 0 && c >= 1)
        let a = lambda / mu
        let rho = a / Double(c)
        precondition(rho < 1, "M/M/c is unstable for ρ ≥ 1 (ρ = \(rho))")
        var b = 1.0
        for k in 1...c { b = a * b / (Double(k) + a * b) }
        let pWait = b / (1 - rho * (1 - b))
        let wq = pWait / (Double(c) * mu - lambda)
        return MMc(probabilityOfWait: pWait, meanWaitSeconds: wq, meanSojournSeconds: wq + 1 / mu,
                   meanQueueLength: lambda * wq, utilization: rho)
    }

    /// Mean wait in queue of an M/G/1 queue (Pollaczek–Khinchine), seconds:
    /// Wq = λ E[S²] / (2(1 − ρ)). For M/D/1, E[S²] = 1/μ².
    public static func pollaczekKhinchineWaitSeconds(arrivalRatePerSecond lambda: Double,
                                                     serviceMeanSeconds s: Double,
                                                     serviceSecondMomentSeconds2 s2: Double) -> Double {
        let rho = lambda * s
        precondition(rho < 1, "M/G/1 is unstable for ρ ≥ 1 (ρ = \(rho))")
        return lambda * s2 / (2 * (1 - rho))
    }
}
