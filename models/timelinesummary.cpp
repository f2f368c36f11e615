#include "models/timelinesummary.h"

#include "models/timelinemodel.h"

#include <algorithm>
#include <cmath>

namespace Baton::Timeline {

namespace {

Style styleOfRank(int rank)
{
    for (int s = 0; s < kNodeRunStateCount; ++s) {
        if (priority(NodeRunState(s)) == rank)
            return styleOf(NodeRunState(s));
    }
    return kNoStyle;
}

// Floor division for possibly negative numerators.
qint64 floorDiv(qint64 a, qint64 b)
{
    qint64 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

} // namespace

int Summary::levelFor(double msPerPixel)
{
    if (!(msPerPixel >= 1.0))
        return -1;
    return std::min(50, int(std::floor(std::log2(msPerPixel))));
}

void Summary::clear()
{
    m_level = -1;
    m_origin = 0;
    m_key = 0;
    m_ranks.clear();
}

bool Summary::isValidFor(quint64 key, int level, qint64 rangeStart, qint64 rangeEnd) const
{
    if (m_level < 0 || key != m_key || level != m_level)
        return false;
    const qint64 end = m_origin + (qint64(m_ranks.size()) << m_level);
    return rangeStart >= m_origin && rangeEnd <= end;
}

void Summary::build(
    const TimelineModel &model, int firstLane, int laneCount, int level, qint64 from, qint64 to, quint64 key)
{
    clear();
    if (level < 0 || to <= from)
        return;
    const qint64 bucket = qint64(1) << level;
    m_level = level;
    m_key = key;
    m_origin = floorDiv(from, bucket) * bucket;
    const qint64 count = floorDiv(to - 1 - m_origin, bucket) + 1;
    m_ranks.assign(std::size_t(std::max<qint64>(1, count)), 0);
    quint8 *ranks = m_ranks.data();
    const qint64 last = qint64(m_ranks.size()) - 1;
    const qint64 windowEnd = m_origin + (qint64(m_ranks.size()) << level);
    const int end = std::min(model.laneCount(), firstLane + laneCount);
    for (int lane = std::max(0, firstLane); lane < end; ++lane) {
        const int i0 = model.firstIndex(lane, m_origin);
        const int i1 = model.lastIndex(lane, windowEnd);
        for (int i = i0; i <= i1; ++i) {
            const TimelineSpan &s = model.span(lane, i);
            if (s.isOpen() || s.end <= s.start)
                continue;
            const qint64 b0 = std::max<qint64>(0, (s.start - m_origin) >> level);
            const qint64 b1 = std::min(last, (s.end - 1 - m_origin) >> level);
            const quint8 rank = quint8(priority(s.state));
            for (qint64 b = b0; b <= b1; ++b)
                ranks[b] = std::max(ranks[b], rank);
        }
    }
}

void Summary::runs(const TimelineModel &model, int firstLane, int laneCount, const RunWindow &w, std::vector<Run> &out,
    std::vector<quint8> &scratch) const
{
    if (m_level < 0 || w.width <= 0 || w.rangeEnd <= w.rangeStart)
        return;
    const int width = w.width;
    const double msPerPx = double(w.rangeEnd - w.rangeStart) / width;
    scratch.assign(std::size_t(width), 0);
    quint8 *px = scratch.data();
    const qint64 last = qint64(m_ranks.size()) - 1;
    const quint8 *ranks = m_ranks.data();
    // Pixel edges as offsets from the range start; truncating a non-negative double is its floor, without a
    // libm call per pixel on baseline x86-64.
    const qint64 base = w.rangeStart - m_origin;
    for (int x = 0; x < width; ++x) {
        const qint64 o0 = qint64(double(x) * msPerPx);
        const qint64 o1 = std::max(o0 + 1, qint64(double(x + 1) * msPerPx));
        qint64 b0 = (base + o0) >> m_level;
        qint64 b1 = (base + o1 - 1) >> m_level;
        if (b1 < 0 || b0 > last)
            continue;
        b0 = std::max<qint64>(0, b0);
        b1 = std::min(last, b1);
        quint8 r = ranks[b0];
        for (qint64 b = b0 + 1; b <= b1; ++b)
            r = std::max(r, ranks[b]);
        px[x] = r;
    }

    // Open spans run from their start to now: the most significant of those begun by a column covers it.
    struct Open
    {
        qint64 start;
        quint8 rank;
    };
    std::vector<Open> open;
    const int end = std::min(model.laneCount(), firstLane + laneCount);
    for (int lane = std::max(0, firstLane); lane < end; ++lane) {
        const int n = model.spanCount(lane);
        if (n == 0)
            continue;
        const TimelineSpan &s = model.span(lane, n - 1);
        if (s.isOpen() && s.start < w.now)
            open.push_back(Open { s.start, quint8(priority(s.state)) });
    }
    if (!open.empty()) {
        std::sort(open.begin(), open.end(), [](const Open &a, const Open &b) { return a.start < b.start; });
        std::size_t next = 0;
        quint8 running = 0;
        for (int x = 0; x < width; ++x) {
            const qint64 t0 = w.rangeStart + qint64(double(x) * msPerPx);
            const qint64 t1 = std::max(t0 + 1, w.rangeStart + qint64(double(x + 1) * msPerPx));
            if (t0 >= w.now)
                break;
            while (next < open.size() && open[next].start < t1)
                running = std::max(running, open[next++].rank);
            px[x] = std::max(px[x], running);
        }
    }

    int x = 0;
    while (x < width) {
        const quint8 rank = px[x];
        int e = x + 1;
        while (e < width && px[e] == rank)
            ++e;
        if (rank != 0) {
            if (!out.empty() && out.back().x1 == x && out.back().style == styleOfRank(rank))
                out.back().x1 = e;
            else
                out.push_back(Run { x, e, styleOfRank(rank) });
        }
        x = e;
    }
}

} // namespace Baton::Timeline
