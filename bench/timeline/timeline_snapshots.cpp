// Renders the timeline, chart, gauge and wall display offscreen into PNG/SVG files from synthetic but
// realistic jobs, for docs and for looking at what the painters draw.
//   QT_QPA_PLATFORM=offscreen timeline_snapshots --out DIR
#include "models/timelinemodel.h"
#include "support/timelinefixtures.h"
#include "widgets/theme.h"
#include "widgets/timelinepainter.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QImage>
#include <QPainter>

#include <cstdio>

using namespace Baton;

namespace {

bool renderPainter(TimelinePainter &tp, const QSize &size, qreal dpr, const QString &path)
{
    QImage img(size * dpr, QImage::Format_ARGB32_Premultiplied);
    img.setDevicePixelRatio(dpr);
    tp.setSize(size);
    tp.setDevicePixelRatio(dpr);
    QPainter p(&img);
    tp.paint(p, QRect(QPoint(0, 0), size));
    p.end();
    if (!img.save(path)) {
        std::fprintf(stderr, "timeline_snapshots: cannot write %s\n", qPrintable(path));
        return false;
    }
    std::printf("wrote %s\n", qPrintable(path));
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("timeline_snapshots"));
    QApplication::setApplicationVersion(QStringLiteral(BATON_VERSION_STRING));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Render timeline, chart, gauge and wall snapshots offscreen."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({ QStringLiteral("out"), QStringLiteral("Output directory."), QStringLiteral("dir"), QStringLiteral(".") });
    parser.process(app);
    const QString out = parser.value(QStringLiteral("out"));
    if (!QDir().mkpath(out)) {
        std::fprintf(stderr, "timeline_snapshots: cannot create %s\n", qPrintable(out));
        return 1;
    }

    TimelineFixtures::Rolling p;
    p.nodesPerService = 10;
    p.services = QStringList { QStringLiteral("web"), QStringLiteral("db") };
    p.failEvery = 9;
    p.maxOffline = 2;
    const qint64 end = TimelineFixtures::rollingEnd(p);
    const qint64 mid = p.start + (end - p.start) * 55 / 100;

    // Fed from the event stream (as the console does), so task history is there too.
    TimelineModel model;
    for (const JobEvent &e : TimelineFixtures::rollingEvents(p)) {
        if (e.atMs > mid)
            break;
        model.applyEvent(e);
    }
    model.flush();
    bool ok = true;
    for (const bool dark : { false, true }) {
        TimelinePainter tp;
        tp.setTheme(dark ? Theme::dark() : Theme::light());
        tp.setModel(&model);
        tp.setNow(mid);
        tp.setRange(p.start - 20'000, mid + (mid - p.start) / 6);
        tp.setHoverRow(4);
        tp.setSelectedLane(6);
        ok = renderPainter(tp, QSize(1400, 640), 1.0, QDir(out).filePath(dark ? QStringLiteral("timeline-dark.png") : QStringLiteral("timeline-light.png"))) && ok;
    }
    {
        // Zoomed in on a few minutes at HiDPI.
        TimelinePainter tp;
        tp.setModel(&model);
        tp.setNow(mid);
        tp.setRange(mid - 240'000, mid + 30'000);
        ok = renderPainter(tp, QSize(900, 420), 2.0, QDir(out).filePath(QStringLiteral("timeline-zoomed@2x.png"))) && ok;
    }
    {
        // 5,000 lanes fitted into 1080 px: aggregated rows.
        TimelineModel big;
        big.setJob(TimelineFixtures::denseJob(5000, 200, p.start, 9000));
        TimelinePainter tp;
        TimelinePainter::Options o;
        o.fit = true;
        tp.setOptions(o);
        tp.setModel(&big);
        const qint64 bigEnd = p.start + 200 * 9000;
        tp.setNow(bigEnd);
        tp.setRange(p.start, bigEnd);
        ok = renderPainter(tp, QSize(1920, 1080), 1.0, QDir(out).filePath(QStringLiteral("timeline-5000-lanes.png"))) && ok;
    }
    return ok ? 0 : 1;
}
