#pragma once

#include "core/domain/noderunstate.h"

#include <vector>

#include <QtGlobal>

namespace Baton {
class TimelineModel;
}

namespace Baton::Timeline {

// Level of detail: turns a lane's spans into pixel runs that are exact when zoomed in and bounded when zoomed
// out (at most about one run per pixel column), so a frame costs O(visible spans) per lane and O(width) per
// row however many segments a job has. Headless, so the rules are tested without a widget.

// What a run draws: 0 = nothing, otherwise 1 + int(NodeRunState).
using Style = quint8;
inline constexpr Style kNoStyle = 0;
inline constexpr int kStyleCount = 1 + kNodeRunStateCount;
constexpr Style styleOf(NodeRunState s)
{
    return Style(1 + int(s));
}
constexpr NodeRunState stateOf(Style s)
{
    return NodeRunState(int(s) - 1);
}

// When several states share one pixel the most significant one is shown: failures first, then work in
// progress, then waiting, then done. A one-second failure must stay visible in a week-long view.
int priority(NodeRunState state);
int priority(Style style); // 0 for kNoStyle

// A horizontal run of pixel columns [x0, x1) in one style.
struct Run
{
    int x0 = 0;
    int x1 = 0;
    Style style = kNoStyle;

    bool operator==(const Run &) const = default;
};

// The window being drawn: [rangeStart, rangeEnd) across `width` pixels; open spans end at `now`.
struct RunWindow
{
    qint64 rangeStart = 0;
    qint64 rangeEnd = 0;
    int width = 0;
    qint64 now = 0;
};

// Appends one lane's runs in x order. Spans at least a pixel wide keep their own pixels (edges rounded to
// the nearest column boundary); neighbouring spans narrower than a pixel are merged until the merged run is a
// pixel wide, taking the most significant state. A merged run that never reaches a pixel takes one column from
// a less significant neighbour, or is left out when both neighbours matter more.
void laneRuns(const TimelineModel &model, int lane, const RunWindow &window, std::vector<Run> &out);

// One row standing for several lanes (more lanes than pixel rows): per column the most significant state of
// any of them. `scratch` is reused between calls to avoid allocating per row.
void aggregateRuns(const TimelineModel &model, int firstLane, int laneCount, const RunWindow &window,
    std::vector<Run> &out, std::vector<quint8> &scratch);

// The style of the open end of a row: what grows to the right of `now` as time passes. For one lane it is
// its open span's state; for an aggregated row the most significant state among its lanes' open spans.
Style openTailStyle(const TimelineModel &model, int firstLane, int laneCount);

// Task sub-spans of one lane as runs: style 1 and 2 alternate so neighbouring tasks stay apart, style 3 marks
// a pixel holding several tasks too short to draw one by one.
void taskRuns(const TimelineModel &model, int lane, const RunWindow &window, std::vector<Run> &out);

} // namespace Baton::Timeline
