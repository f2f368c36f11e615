#pragma once

#include <vector>

#include <QStringList>

namespace Baton {

class TimelineModel;

// One row of the timeline: a service header, one lane, or several lanes drawn as one (when there are more
// lanes than pixel rows). y and height are in logical pixels from the top of the lane area's content.
struct TimelineRow
{
    enum class Kind : quint8
    {
        Header,
        Lane,
        Aggregate
    };
    Kind kind = Kind::Lane;
    int group = 0;
    int firstLane = 0;
    int laneCount = 0; // lanes this row stands for (0 for a header)
    int y = 0;
    int height = 0;

    bool operator==(const TimelineRow &) const = default;
};

// Stacks service headers and lanes into rows. Two modes:
// - scrolling (the main window): every lane gets `rowHeight`; the content may be taller than the view;
// - fit (the wall, overviews): everything fits `fitHeight`. Lanes share the height up to `maxRowHeight`; when
//   there are more lanes than rows of `minRowHeight`, consecutive lanes of a service merge into aggregate rows
//   of equal lane count, and headers are left out when they alone would take half the height.
class TimelineRowLayout
{
public:
    struct Params
    {
        int headerHeight = 22;
        int rowHeight = 20;
        bool fit = false;
        int fitHeight = 0;
        int minRowHeight = 2;
        int maxRowHeight = 28;
        bool showHeaders = true;
        QStringList collapsed; // services whose lanes are hidden under their header

        bool operator==(const Params &) const = default;
    };

    void build(const TimelineModel &model, const Params &params);
    void clear();

    const std::vector<TimelineRow> &rows() const { return m_rows; }
    int rowCount() const { return int(m_rows.size()); }
    const TimelineRow &row(int index) const { return m_rows[std::size_t(index)]; }
    int totalHeight() const { return m_totalHeight; }
    // The row containing content y, or -1.
    int rowAt(int y) const;
    // Rows intersecting [y0, y1): first index and one past the last.
    std::pair<int, int> rowsIn(int y0, int y1) const;
    int rowOfLane(int lane) const; // -1 when hidden
    int lanesPerRow() const { return m_lanesPerRow; } // 1 unless aggregated
    bool isAggregated() const { return m_lanesPerRow > 1; }

private:
    std::vector<TimelineRow> m_rows;
    int m_totalHeight = 0;
    int m_lanesPerRow = 1;
};

} // namespace Baton
