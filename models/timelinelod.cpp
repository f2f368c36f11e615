#include "models/timelinelod.h"

#include "models/timelinemodel.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace Baton::Timeline {

namespace {

// Rank 1 (least significant) … 11 (most). Stored per pixel when aggregating, so a plain max picks the winner.
constexpr std::array<quint8, kNodeRunStateCount> kPriority = {
    2, // Queued
    4, // WaitingForNode
    5, // Starting
    6, // WaitingForSlot
    8, // InMaintenance
    7, // Verifying
    1, // Succeeded
    11, // Failed
    3, // Cancelled
    10, // TimedOut
    9, // Unreachable
};

constexpr std::array<Style, kNodeRunStateCount + 1> makeStyleOfRank()
{
    std::array<Style, kNodeRunStateCount + 1> r {};
    for (int s = 0; s < kNodeRunStateCount; ++s)
        r[kPriority[std::size_t(s)]] = Style(1 + s);
    return r;
}
constexpr std::array<Style, kNodeRunStateCount + 1> kStyleOfRank = makeStyleOfRank();

// x is never negative here (clamped to [0, width]), so adding a half and truncating rounds to nearest without
// a libm call per span.
inline int roundPx(double x)
{
    return int(x + 0.5);
}

bool degenerate(const RunWindow &w)
{
    return w.width <= 0 || w.rangeEnd <= w.rangeStart;
}

inline int rankOf(Style style)
{
    return style == kNoStyle ? 0 : kPriority[std::size_t(style - 1)];
}

// Appends [x0, x1) in `style`, joining the previous run when it continues it in the same style.
inline void emitRun(std::vector<Run> &out, int x0, int x1, Style style)
{
    if (!out.empty() && out.back().x1 > x0)
        x0 = out.back().x1; // the previous run already took this column
    if (x1 <= x0)
        return;
    if (!out.empty() && out.back().x1 == x0 && out.back().style == style) {
        out.back().x1 = x1;
        return;
    }
    out.push_back(Run { x0, x1, style });
}

struct Group
{
    bool active = false;
    double x0 = 0;
    double x1 = 0;
    Style style = kNoStyle;
};

// Places a merged run that stayed narrower than a pixel. It sits on the column boundary r between the previous
// run (ending at r) and `next` (starting at r, may be null): it takes a column from whichever neighbour matters
// less, or is dropped when both matter more.
void settleGroup(std::vector<Run> &out, Group &g, Run *next, int width)
{
    if (!g.active)
        return;
    g.active = false;
    const int r = roundPx(g.x0);
    const int rEnd = roundPx(g.x1);
    if (rEnd > r) {
        // It straddles a column boundary: the column between its neighbours is nobody else's.
        emitRun(out, r, rEnd, g.style);
        if (next)
            next->x0 = std::max(next->x0, rEnd);
        return;
    }
    const int p = priority(g.style);
    Run *prev = (!out.empty() && out.back().x1 == r) ? &out.back() : nullptr;
    if (next && r < width && p > priority(next->style)) {
        emitRun(out, r, r + 1, g.style);
        next->x0 = std::max(next->x0, r + 1);
        return;
    }
    if (prev) {
        if (p > priority(prev->style)) {
            if (prev->x1 - prev->x0 <= 1) {
                prev->style = g.style;
                if (out.size() >= 2 && out[out.size() - 2].x1 == prev->x0 && out[out.size() - 2].style == prev->style) {
                    out[out.size() - 2].x1 = prev->x1;
                    out.pop_back();
                }
            } else {
                prev->x1 -= 1;
                emitRun(out, r - 1, r, g.style);
            }
        }
        return;
    }
    // Nobody owns the neighbouring column: the merged run gets it outright.
    if (!next && r < width)
        emitRun(out, r, r + 1, g.style);
    else if (r > 0)
        emitRun(out, r - 1, r, g.style);
    else if (!next)
        emitRun(out, 0, std::min(1, width), g.style);
}

} // namespace

int priority(NodeRunState state)
{
    return kPriority[std::size_t(state)];
}

int priority(Style style)
{
    return style == kNoStyle ? 0 : kPriority[std::size_t(style - 1)];
}

void laneRuns(const TimelineModel &model, int lane, const RunWindow &w, std::vector<Run> &out)
{
    if (degenerate(w) || lane < 0 || lane >= model.laneCount())
        return;
    const int first = model.firstIndex(lane, w.rangeStart);
    const int last = model.lastIndex(lane, w.rangeEnd);
    if (first > last)
        return;
    const double scale = double(w.width) / double(w.rangeEnd - w.rangeStart);
    const double width = double(w.width);
    Group g;
    for (int i = first; i <= last; ++i) {
        const TimelineSpan &s = model.span(lane, i);
        const qint64 end = s.isOpen() ? std::max(w.now, s.start) : s.end;
        if (end <= w.rangeStart)
            continue;
        const double xs = std::clamp(double(s.start - w.rangeStart) * scale, 0.0, width);
        const double xe = std::clamp(double(end - w.rangeStart) * scale, 0.0, width);
        if (!(xe > xs))
            continue;
        const Style style = styleOf(s.state);
        const int a = roundPx(xs);
        const int b = roundPx(xe);
        if (g.active && roundPx(g.x1) < a) {
            // A gap between spans (none in a normal lane): settle what was merged before it on its own.
            settleGroup(out, g, nullptr, w.width);
        }
        // A span at least a pixel wide keeps its own (rounded) pixels; anything narrower joins the merged run.
        if (xe - xs >= 1.0) {
            if (g.active) {
                // A span of its own pixels follows a merged run still under a pixel: settle it against this one.
                Run next { a, b, style };
                settleGroup(out, g, &next, w.width);
                emitRun(out, next.x0, next.x1, next.style);
            } else {
                emitRun(out, a, b, style);
            }
            continue;
        }
        if (!g.active) {
            g = Group { true, xs, xe, style };
        } else {
            g.x1 = xe;
            if (rankOf(style) > rankOf(g.style))
                g.style = style;
        }
        if (g.x1 - g.x0 >= 1.0) {
            emitRun(out, roundPx(g.x0), roundPx(g.x1), g.style);
            g.active = false;
        }
    }
    settleGroup(out, g, nullptr, w.width);
}

void aggregateRuns(const TimelineModel &model, int firstLane, int laneCount, const RunWindow &w, std::vector<Run> &out,
    std::vector<quint8> &scratch)
{
    if (degenerate(w) || laneCount <= 0)
        return;
    if (laneCount == 1) {
        laneRuns(model, firstLane, w, out);
        return;
    }
    scratch.assign(std::size_t(w.width), 0);
    quint8 *px = scratch.data();
    std::vector<Run> runs;
    const int end = std::min(model.laneCount(), firstLane + laneCount);
    for (int lane = std::max(0, firstLane); lane < end; ++lane) {
        runs.clear();
        laneRuns(model, lane, w, runs);
        for (const Run &r : runs) {
            const quint8 rank = quint8(rankOf(r.style));
            // A plain loop over bytes: the compiler turns it into vector max instructions.
            for (int x = r.x0; x < r.x1; ++x)
                px[x] = std::max(px[x], rank);
        }
    }
    int x = 0;
    while (x < w.width) {
        const quint8 rank = px[x];
        int e = x + 1;
        while (e < w.width && px[e] == rank)
            ++e;
        if (rank != 0)
            emitRun(out, x, e, kStyleOfRank[rank]);
        x = e;
    }
}

Style openTailStyle(const TimelineModel &model, int firstLane, int laneCount)
{
    Style best = kNoStyle;
    const int end = std::min(model.laneCount(), firstLane + laneCount);
    for (int lane = std::max(0, firstLane); lane < end; ++lane) {
        const int n = model.spanCount(lane);
        if (n == 0)
            continue;
        const TimelineSpan &s = model.span(lane, n - 1);
        if (s.isOpen() && priority(styleOf(s.state)) > priority(best))
            best = styleOf(s.state);
    }
    return best;
}

void taskRuns(const TimelineModel &model, int lane, const RunWindow &w, std::vector<Run> &out)
{
    if (degenerate(w) || lane < 0 || lane >= model.laneCount())
        return;
    const int first = model.taskFirstIndex(lane, w.rangeStart);
    const int last = model.taskLastIndex(lane, w.rangeEnd);
    if (first > last)
        return;
    const double scale = double(w.width) / double(w.rangeEnd - w.rangeStart);
    const double width = double(w.width);
    bool grouping = false;
    double gx0 = 0;
    double gx1 = 0;
    int members = 0;
    int lastMember = 0;
    auto settle = [&]() {
        if (!grouping)
            return;
        grouping = false;
        int a = int(std::lround(gx0));
        int b = std::max(int(std::lround(gx1)), a + 1);
        if (b > w.width) {
            b = w.width;
            a = std::max(0, b - 1);
        }
        emitRun(out, a, b, members > 1 ? Style(3) : Style(1 + (lastMember & 1)));
    };
    for (int i = first; i <= last; ++i) {
        const TimelineTask &t = model.task(lane, i);
        const qint64 end = t.isOpen() ? std::max(w.now, t.start) : t.end;
        if (end <= w.rangeStart)
            continue;
        const double xs = std::clamp(double(t.start - w.rangeStart) * scale, 0.0, width);
        const double xe = std::clamp(double(end - w.rangeStart) * scale, 0.0, width);
        if (!(xe > xs))
            continue;
        const long a = std::lround(xs);
        const long b = std::lround(xe);
        if (b - a >= 2 && !grouping) {
            emitRun(out, int(a), int(b), Style(1 + (i & 1)));
            continue;
        }
        if (!grouping) {
            grouping = true;
            gx0 = xs;
            members = 0;
        }
        gx1 = xe;
        ++members;
        lastMember = i;
        if (std::lround(gx1) - std::lround(gx0) >= 2)
            settle();
    }
    settle();
}

} // namespace Baton::Timeline
