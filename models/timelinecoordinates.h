#pragma once

#include <QString>
#include <QtGlobal>

namespace Baton::Timeline {

// Time↔pixel maths of the timeline, kept as free functions so they can be tested on their own and shared by the
// painter, the hit test and the exporters. Times are milliseconds since the epoch; a view shows the half-open
// interval [rangeStart, rangeEnd) across `width` pixels, x = 0 at rangeStart and x = width at rangeEnd.
//
// A degenerate view (rangeEnd <= rangeStart or width <= 0) maps every time to x = 0 and every x to rangeStart,
// so callers never divide by zero and a half-initialised view simply shows nothing.

double timeToPixel(qint64 t, qint64 rangeStart, qint64 rangeEnd, double width);
qint64 pixelToTime(double x, qint64 rangeStart, qint64 rangeEnd, double width);

// How many milliseconds one pixel covers; 0 for a degenerate view.
double msPerPixel(qint64 rangeStart, qint64 rangeEnd, double width);

// The row under y when rows of equal height are stacked from y = -scrollOffset; -1 above the first row, at or
// beyond rowCount rows, or when rowHeight <= 0.
int rowAt(double y, double scrollOffset, double rowHeight, int rowCount);

// A "nice" distance between ruler ticks (1 s, 2 s, 5 s, 10 s, 15 s, 30 s, 1 min, … 1 day, then whole days) such
// that neighbouring ticks are at least minSpacingPx apart at this scale.
qint64 niceTickStep(double msPerPixel, double minSpacingPx);

// The first tick at or after rangeStart for a given step, aligned to local wall-clock time so ticks fall on
// 10:00, 10:05, … rather than on arbitrary epoch offsets. `utcOffsetMs` is the local zone's offset.
qint64 firstTick(qint64 rangeStart, qint64 step, qint64 utcOffsetMs);

// Operator-facing durations: "0.4 s", "42 s", "3 min 05 s", "2 h 07 min", "3 d 4 h". Negative input reads as 0.
QString formatDuration(qint64 ms);

} // namespace Baton::Timeline
