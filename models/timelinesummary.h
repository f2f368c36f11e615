#pragma once

#include "models/timelinelod.h"

#include <vector>

namespace Baton {
class TimelineModel;
}

namespace Baton::Timeline {

// \class Summary
// \brief The closed spans of a block of lanes reduced to power-of-two time buckets: per bucket the most
// significant state of any of the lanes in it.
//
// An aggregated row (more lanes than pixel rows) otherwise has to visit every span of every one of its lanes
// whenever the visible range moves, which for 5,000 lanes of 2,000 segments is ten million spans on every pan
// or follow step. A summary is built once per zoom level over three times the visible range (one range of slack
// on each side), then each frame reads one to three buckets per pixel column; it is rebuilt only when a lane of
// the block changes, the zoom level changes, or the range leaves the covered window. Buckets are never wider
// than a pixel, so the picture is the exact one up to a pixel at span edges. Open spans are not in the buckets:
// they end at "now", which moves, and are laid over per frame.
class Summary
{
public:
    // The coarsest level whose bucket (2^level ms) is at most one pixel at this scale; -1 below 1 ms per pixel.
    static int levelFor(double msPerPixel);

    // Builds over [from, to) at `level`; `key` identifies the lanes' state (see TimelinePainter's row key).
    void build(
        const TimelineModel &model, int firstLane, int laneCount, int level, qint64 from, qint64 to, quint64 key);
    void clear();

    bool isValidFor(quint64 key, int level, qint64 rangeStart, qint64 rangeEnd) const;
    int level() const { return m_level; }
    qint64 origin() const { return m_origin; }
    int bucketCount() const { return int(m_ranks.size()); }

    // The row's runs for a window, as aggregateRuns() would draw them (to within a pixel at span edges).
    void runs(const TimelineModel &model, int firstLane, int laneCount, const RunWindow &window, std::vector<Run> &out,
        std::vector<quint8> &scratch) const;

private:
    int m_level = -1;
    qint64 m_origin = 0;
    quint64 m_key = 0;
    std::vector<quint8> m_ranks; // priority ranks (0 = nothing), one per bucket
};

} // namespace Baton::Timeline
