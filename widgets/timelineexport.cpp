#include "widgets/timelineexport.h"

#include "models/timelinemodel.h"

#include <algorithm>

#include <QBuffer>
#include <QImageWriter>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>

namespace Baton::TimelineExport {

namespace {

TimelinePainter::Options effectiveOptions(const TimelineModel &model, const Params &params, int *height)
{
    TimelinePainter::Options o = params.options;
    o.fit = false;
    TimelinePainter probe;
    probe.setOptions(o);
    probe.setModel(&model);
    probe.setSize(QSize(std::clamp(params.width, 1, kMaxWidth), 100));
    const int content = probe.contentHeight() + o.rulerHeight;
    if (content > kMaxHeight) {
        o.fit = true;
        *height = kMaxHeight;
    } else {
        *height = std::max(content, o.rulerHeight + 40);
    }
    return o;
}

void setUp(TimelinePainter &tp, const TimelineModel &model, const Params &params, const QSize &size, qreal dpr)
{
    int height = 0;
    tp.setTheme(params.theme);
    tp.setOptions(effectiveOptions(model, params, &height));
    tp.setModel(&model);
    tp.setSize(size);
    tp.setDevicePixelRatio(dpr);
    tp.setRange(params.rangeStart, params.rangeEnd);
    tp.setNow(params.now);
}

Result<void> writeFile(const QString &path, const QByteArray &data)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(Error::Kind::Io, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    if (file.write(data) != data.size() || !file.commit())
        return fail(Error::Kind::Io, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

} // namespace

QSize exportSize(const TimelineModel &model, const Params &params)
{
    int height = 0;
    effectiveOptions(model, params, &height);
    return QSize(std::clamp(params.width, 1, kMaxWidth), height);
}

QImage renderImage(const TimelineModel &model, const Params &params)
{
    const QSize size = exportSize(model, params);
    const qreal dpr = std::clamp<qreal>(params.devicePixelRatio, 1.0, 4.0);
    QImage image(size * dpr, QImage::Format_ARGB32_Premultiplied);
    if (image.isNull())
        return image;
    image.setDevicePixelRatio(dpr);
    TimelinePainter tp;
    setUp(tp, model, params, size, dpr);
    QPainter p(&image);
    tp.paint(p, QRect(QPoint(0, 0), size));
    return image;
}

Result<void> exportPng(const TimelineModel &model, const Params &params, const QString &path)
{
    if (params.rangeEnd <= params.rangeStart)
        return fail(Error::Kind::InvalidInput, QStringLiteral("nothing to export: the time range is empty"));
    const QImage image = renderImage(model, params);
    if (image.isNull())
        return fail(Error::Kind::TooLarge, QStringLiteral("the timeline is too large to render as an image"));
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "png");
    if (!writer.write(image))
        return fail(Error::Kind::Internal, QStringLiteral("cannot encode PNG: %1").arg(writer.errorString()));
    return writeFile(path, buffer.data());
}

Result<void> exportSvg(const TimelineModel &model, const Params &params, const QString &path)
{
    if (params.rangeEnd <= params.rangeStart)
        return fail(Error::Kind::InvalidInput, QStringLiteral("nothing to export: the time range is empty"));
    const QSize size = exportSize(model, params);
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(params.title.isEmpty() ? QStringLiteral("Baton timeline") : params.title);
    svg.setDescription(QStringLiteral("Per-node timeline exported by Baton Console"));
    {
        TimelinePainter tp;
        setUp(tp, model, params, size, 1.0);
        QPainter p(&svg);
        tp.paint(p, QRect(QPoint(0, 0), size));
    }
    return writeFile(path, buffer.data());
}

} // namespace Baton::TimelineExport
