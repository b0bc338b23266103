/// Dense linear systems by Gaussian elimination with partial pivoting.
enum LinearSolver {
    /// Solves A x = b.
    ///
    /// A pivot that is tiny relative to the largest entry of the matrix (below n · ε · max|A|) means the system
    /// has no unique solution in double precision, and is reported as singular.
    /// - Parameters:
    ///   - matrix: A, square, row-major.
    ///   - rhs: b, one entry per row.
    ///   - names: A name per unknown, used in the error message.
    /// - Returns: x.
    /// - Throws: ``AnalyticsError/Code/singularMatrix`` naming the unknown whose column has no usable pivot;
    ///   ``AnalyticsError/Code/invalidInput`` for mismatched sizes or non-finite entries.
    static func solve(_ matrix: [[Double]], _ rhs: [Double], names: [String]? = nil) throws(AnalyticsError) -> [Double] {
        let n = rhs.count
        guard matrix.count == n, matrix.allSatisfy({ $0.count == n }) else {
            throw AnalyticsError(.invalidInput, "the linear system is not square: \(matrix.count) rows, \(n) unknowns")
        }
        guard matrix.allSatisfy({ $0.allSatisfy(\.isFinite) }), rhs.allSatisfy(\.isFinite) else {
            throw AnalyticsError(.invalidInput, "the linear system has a non-finite coefficient")
        }
        if n == 0 { return [] }
        var a = matrix
        var x = rhs
        let scale = a.reduce(0) { max($0, $1.reduce(0) { max($0, abs($1)) }) }
        let tolerance = Double(n) * Double.ulpOfOne * max(scale, Double.leastNormalMagnitude)
        for column in 0..<n {
            var pivotRow = column
            for row in column + 1..<n where abs(a[row][column]) > abs(a[pivotRow][column]) { pivotRow = row }
            guard abs(a[pivotRow][column]) > tolerance else {
                let name = names.map { "'\($0[column])'" } ?? "\(column)"
                throw AnalyticsError(
                    .singularMatrix,
                    "the linear system is singular: unknown \(name) is not determined (its column is a combination "
                        + "of the others)")
            }
            if pivotRow != column {
                a.swapAt(pivotRow, column)
                x.swapAt(pivotRow, column)
            }
            let pivot = a[column][column]
            for row in column + 1..<n {
                let factor = a[row][column] / pivot
                if factor == 0 { continue }
                a[row][column] = 0
                for k in column + 1..<n { a[row][k] -= factor * a[column][k] }
                x[row] -= factor * x[column]
            }
        }
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[row]
            for k in row + 1..<n { sum -= a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x
    }
}
