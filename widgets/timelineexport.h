#pragma once

#include "core/base/result.h"
#include "widgets/theme.h"
#include "widgets/timelinepainter.h"

#include <QImage>
#include <QString>

namespace Baton {

class TimelineModel;

// Export of a timeline as a picture: every lane (not just the part on screen), the range and look chosen by
// the caller. PNG is rendered at `devicePixelRatio` for print-sharp output; SVG is vector (one rectangle per
// run, text as text). A job too tall to export lane by lane is exported in fit mode (aggregated rows).
namespace TimelineExport {

struct Params
{
    qint64 rangeStart = 0;
    qint64 rangeEnd = 0;
    qint64 now = 0;
    int width = 1600; // logical pixels
    qreal devicePixelRatio = 2.0; // PNG only
    Theme theme = Theme::current();
    TimelinePainter::Options options;
    QString title; // written into the SVG
};

// Lanes taller than this (logical pixels) are exported fitted into it instead.
inline constexpr int kMaxHeight = 12'000;
inline constexpr int kMaxWidth = 16'000;

// The logical size an export of `model` with `params` has.
QSize exportSize(const TimelineModel &model, const Params &params);
QImage renderImage(const TimelineModel &model, const Params &params);
Result<void> exportPng(const TimelineModel &model, const Params &params, const QString &path);
Result<void> exportSvg(const TimelineModel &model, const Params &params, const QString &path);

} // namespace TimelineExport
} // namespace Baton
