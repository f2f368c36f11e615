#include "models/timelinecoordinates.h"

#include <array>
#include <cmath>

namespace Baton::Timeline {

namespace {
bool degenerate(qint64 rangeStart, qint64 rangeEnd, double width)
{
    return rangeEnd <= rangeStart || !(width > 0);
}
} // namespace

double timeToPixel(qint64 t, qint64 rangeStart, qint64 rangeEnd, double width)
{
    if (degenerate(rangeStart, rangeEnd, width))
        return 0;
    // Subtract in integers first: epoch milliseconds exceed a double's exact integer range only far in the
    // future, but the difference keeps full precision for any realistic span.
    return double(t - rangeStart) * width / double(rangeEnd - rangeStart);
}

qint64 pixelToTime(double x, qint64 rangeStart, qint64 rangeEnd, double width)
{
    if (degenerate(rangeStart, rangeEnd, width))
        return rangeStart;
    return rangeStart + qint64(std::floor(x * double(rangeEnd - rangeStart) / width));
}

double msPerPixel(qint64 rangeStart, qint64 rangeEnd, double width)
{
    if (degenerate(rangeStart, rangeEnd, width))
        return 0;
    return double(rangeEnd - rangeStart) / width;
}

int rowAt(double y, double scrollOffset, double rowHeight, int rowCount)
{
    if (!(rowHeight > 0) || rowCount <= 0)
        return -1;
    const double content = y + scrollOffset;
    if (content < 0)
        return -1;
    const double row = std::floor(content / rowHeight);
    return row < rowCount ? int(row) : -1;
}

qint64 niceTickStep(double msPerPx, double minSpacingPx)
{
    static constexpr std::array<qint64, 22> kSteps { 100, 200, 500, 1'000, 2'000, 5'000, 10'000, 15'000, 30'000, 60'000,
        120'000, 300'000, 600'000, 900'000, 1'800'000, 3'600'000, 7'200'000, 10'800'000, 21'600'000, 43'200'000,
        86'400'000, 172'800'000 };
    const double wanted = std::max(0.0, msPerPx) * std::max(1.0, minSpacingPx);
    for (qint64 s : kSteps) {
        if (double(s) >= wanted)
            return s;
    }
    const qint64 day = 86'400'000;
    return qint64(std::ceil(wanted / double(day))) * day;
}

qint64 firstTick(qint64 rangeStart, qint64 step, qint64 utcOffsetMs)
{
    if (step <= 0)
        return rangeStart;
    const qint64 local = rangeStart + utcOffsetMs;
    // Floor division that is also right for times before the epoch.
    qint64 q = local / step;
    if (local % step != 0 && local < 0)
        --q;
    qint64 tick = q * step - utcOffsetMs;
    if (tick < rangeStart)
        tick += step;
    return tick;
}

QString formatDuration(qint64 ms)
{
    if (ms < 0)
        ms = 0;
    if (ms < 10'000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    const qint64 s = ms / 1000;
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    if (s < 86'400)
        return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 d %2 h").arg(s / 86'400).arg((s % 86'400) / 3600);
}

} // namespace Baton::Timeline
