#include "models/timelinerowlayout.h"

#include "models/timelinemodel.h"

#include <algorithm>
#include <cmath>

namespace Baton {

void TimelineRowLayout::clear()
{
    m_rows.clear();
    m_totalHeight = 0;
    m_lanesPerRow = 1;
}

void TimelineRowLayout::build(const TimelineModel &model, const Params &p)
{
    clear();
    const int groups = model.groupCount();
    if (groups == 0)
        return;
    const int headerH = std::max(0, p.headerHeight);

    if (!p.fit) {
        const int rowH = std::max(1, p.rowHeight);
        int y = 0;
        for (int g = 0; g < groups; ++g) {
            const TimelineGroup &grp = model.group(g);
            if (p.showHeaders && headerH > 0) {
                m_rows.push_back(TimelineRow { TimelineRow::Kind::Header, g, grp.firstLane, 0, y, headerH });
                y += headerH;
            }
            if (p.collapsed.contains(grp.service))
                continue;
            for (int l = 0; l < grp.laneCount; ++l) {
                m_rows.push_back(TimelineRow { TimelineRow::Kind::Lane, g, grp.firstLane + l, 1, y, rowH });
                y += rowH;
            }
        }
        m_totalHeight = y;
        return;
    }

    const int height = std::max(0, p.fitHeight);
    const int minRow = std::max(1, p.minRowHeight);
    const int maxRow = std::max(minRow, p.maxRowHeight);
    bool headers = p.showHeaders && headerH > 0 && groups * headerH * 2 <= height;
    int visibleLanes = 0;
    for (int g = 0; g < groups; ++g) {
        if (!p.collapsed.contains(model.group(g).service))
            visibleLanes += model.group(g).laneCount;
    }
    const int available = height - (headers ? groups * headerH : 0);
    const int rowsAvailable = std::max(1, available / minRow);

    // Smallest lanes-per-row that fits: each service rounds up on its own, so try upwards from the ideal.
    int k = std::max(1, (visibleLanes + rowsAvailable - 1) / rowsAvailable);
    auto rowsFor = [&](int perRow) {
        int n = 0;
        for (int g = 0; g < groups; ++g) {
            if (!p.collapsed.contains(model.group(g).service))
                n += (model.group(g).laneCount + perRow - 1) / perRow;
        }
        return n;
    };
    while (k < std::max(1, visibleLanes) && rowsFor(k) > rowsAvailable)
        ++k;
    m_lanesPerRow = k;
    const int totalRows = rowsFor(k);
    const double rowH = totalRows > 0 ? std::clamp(double(available) / totalRows, double(minRow), double(maxRow)) : 0;

    double y = 0;
    for (int g = 0; g < groups; ++g) {
        const TimelineGroup &grp = model.group(g);
        if (headers) {
            const int top = int(std::lround(y));
            m_rows.push_back(TimelineRow { TimelineRow::Kind::Header, g, grp.firstLane, 0, top, headerH });
            y += headerH;
        }
        if (p.collapsed.contains(grp.service))
            continue;
        for (int l = 0; l < grp.laneCount; l += k) {
            const int n = std::min(k, grp.laneCount - l);
            // Fractional heights accumulate so the rows fill the height exactly, with whole-pixel edges.
            const int top = int(std::lround(y));
            const int bottom = int(std::lround(y + rowH));
            m_rows.push_back(TimelineRow { n > 1 ? TimelineRow::Kind::Aggregate : TimelineRow::Kind::Lane, g,
                grp.firstLane + l, n, top, std::max(1, bottom - top) });
            y += rowH;
        }
    }
    m_totalHeight = int(std::lround(y));
}

int TimelineRowLayout::rowAt(int y) const
{
    if (m_rows.empty() || y < 0 || y >= m_totalHeight)
        return -1;
    const auto it
        = std::upper_bound(m_rows.begin(), m_rows.end(), y, [](int v, const TimelineRow &r) { return v < r.y; });
    if (it == m_rows.begin())
        return -1;
    const int i = int(it - m_rows.begin()) - 1;
    return y < m_rows[std::size_t(i)].y + m_rows[std::size_t(i)].height ? i : -1;
}

std::pair<int, int> TimelineRowLayout::rowsIn(int y0, int y1) const
{
    const auto first = std::partition_point(
        m_rows.begin(), m_rows.end(), [y0](const TimelineRow &r) { return r.y + r.height <= y0; });
    const auto last = std::partition_point(first, m_rows.end(), [y1](const TimelineRow &r) { return r.y < y1; });
    return { int(first - m_rows.begin()), int(last - m_rows.begin()) };
}

int TimelineRowLayout::rowOfLane(int lane) const
{
    // Rows are in lane order; headers carry their group's first lane with a lane count of 0.
    const auto it = std::partition_point(m_rows.begin(), m_rows.end(), [lane](const TimelineRow &r) {
        return r.kind == TimelineRow::Kind::Header ? r.firstLane <= lane : r.firstLane + r.laneCount <= lane;
    });
    if (it == m_rows.end() || it->kind == TimelineRow::Kind::Header || lane < it->firstLane)
        return -1;
    return int(it - m_rows.begin());
}

} // namespace Baton
