import Foundation

/// The `svg` format of `aerd report clv`: stages as circles sized by members, in a ring; migrations as arrows
/// whose width follows their count and whose colour says whether value is won (green) or lost (red).
/// A self-contained SVG a browser opens directly.
struct CLVChart {
    var set: String
    var stages: [(name: String, members: Int, value: Double)]
    var migrations: [(from: String, to: String, count: Int, stake: Double)]

    func render() -> String {
        let size = 640.0, center = size / 2, ring = size * 0.34
        let maxMembers = Double(max(stages.map(\.members).max() ?? 1, 1))
        let maxCount = Double(max(migrations.map(\.count).max() ?? 1, 1))
        var position: [String: (x: Double, y: Double, r: Double)] = [:]
        for (index, stage) in stages.enumerated() {
            let angle = 2 * Double.pi * Double(index) / Double(max(stages.count, 1)) - Double.pi / 2
            let radius = 14 + 30 * (Double(stage.members) / maxMembers).squareRoot()
            position[stage.name] = (center + ring * cos(angle), center + ring * sin(angle), radius)
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(size))" height="\(Int(size) + 40)" viewBox="0 0 \(Int(size)) \(Int(size) + 40)" font-family="sans-serif">
            <title>Lifetime value of \(escape(set)) stages and migrations</title>
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="14" markerHeight="14" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker></defs>
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(center))" y="24" text-anchor="middle" font-size="16">\(escape(set)): value per stage, value at stake per migration</text>

            """
        for move in migrations {
            guard let a = position[move.from], let b = position[move.to] else { continue }
            let dx = b.x - a.x, dy = b.y - a.y, length = max((dx * dx + dy * dy).squareRoot(), 1)
            // Start and end at the circles' edges, bent slightly so A→B and B→A do not overlap.
            let (sx, sy) = (a.x + dx / length * a.r, a.y + dy / length * a.r)
            let (ex, ey) = (b.x - dx / length * (b.r + 4), b.y - dy / length * (b.r + 4))
            let (cx, cy) = ((sx + ex) / 2 - dy / length * 30, (sy + ey) / 2 + dx / length * 30)
            let width = 1 + 7 * Double(move.count) / maxCount
            let colour = move.stake > 0 ? "#2e7d32" : move.stake < 0 ? "#c62828" : "#757575"
            svg += """
                <path d="M \(f(sx)) \(f(sy)) Q \(f(cx)) \(f(cy)) \(f(ex)) \(f(ey))" fill="none" stroke="\(colour)" stroke-opacity="0.7" stroke-width="\(f(width))" marker-end="url(#arrow)"><title>\(escape(move.from)) → \(escape(move.to)): \(move.count) customers, \(String(format: "%+.2f", move.stake)) each</title></path>

                """
        }
        for stage in stages {
            guard let p = position[stage.name] else { continue }
            svg += """
                <circle cx="\(f(p.x))" cy="\(f(p.y))" r="\(f(p.r))" fill="#1565c0" fill-opacity="0.15" stroke="#1565c0"/>
                <text x="\(f(p.x))" y="\(f(p.y - 2))" text-anchor="middle" font-size="13">\(escape(stage.name))</text>
                <text x="\(f(p.x))" y="\(f(p.y + 14))" text-anchor="middle" font-size="11">V \(String(format: "%.2f", CLVReport.tidy(stage.value))) · \(stage.members)</text>

                """
        }
        svg += """
            <text x="12" y="\(Int(size) + 28)" font-size="11">circle area: members now · arrow width: migrations in the window · green: value won, red: value lost, grey: none</text>
            </svg>
            """
        return svg
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
