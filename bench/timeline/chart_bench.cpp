// Capacity chart update cost: what a replace() of a series and the next paint cost at 1,000 and 10,000 points
// (the adapter's cap), for one and four series, plus a repaint without new data and the adapter's downsampling.
// Prints median and p95 (ms); never fails on time.
//   QT_QPA_PLATFORM=offscreen chart_bench [--frames 30]
#include "models/capacityhistory.h"
#include "widgets/chart.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QImage>

using namespace Baton;

namespace {

constexpr qint64 T0 = 1'790'000'000'000;

struct Figures
{
    double median;
    double p95;
};

Figures measure(int frames, const std::function<void(int)> &frame)
{
    std::vector<double> ms;
    for (int i = 0; i < frames; ++i) {
        QElapsedTimer t;
        t.start();
        frame(i);
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return { ms[ms.size() / 2], ms[std::min(ms.size() - 1, std::size_t(double(ms.size()) * 0.95))] };
}

QList<QPointF> steps(int n, int variant)
{
    // A step line like a capacity series: a value that changes now and then.
    QList<QPointF> pts;
    pts.reserve(n);
    int v = 10;
    for (int i = 0; i < n; ++i) {
        if ((i * 7919 + variant) % 13 == 0)
            v = 6 + (i + variant) % 5;
        pts << QPointF(double(T0 + qint64(i) * 1000), v);
    }
    return pts;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("chart_bench"));
    QApplication::setApplicationVersion(QStringLiteral(BATON_VERSION_STRING));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Capacity chart update benchmark (prints figures)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(
        { QStringLiteral("frames"), QStringLiteral("Samples per case."), QStringLiteral("n"), QStringLiteral("30") });
    parser.process(app);
    bool ok = false;
    const int frames = parser.value(QStringLiteral("frames")).toInt(&ok);
    if (!ok || frames < 3 || frames > 10'000) {
        std::fprintf(stderr, "chart_bench: --frames must be 3..10000\n");
        return 2;
    }
    const QSize size(1600, 600);
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    std::printf("chart update cost, %dx%d, raster, no antialiasing, no animation (ms)\n", size.width(), size.height());
    std::printf("%-54s %8s %8s\n", "case", "median", "p95");
    for (const int points : { 1'000, 10'000 }) {
        for (const int seriesCount : { 1, 4 }) {
            Chart chart;
            chart.resize(size);
            for (int s = 0; s < seriesCount; ++s)
                chart.addSeries({ QStringLiteral("s%1").arg(s), QColor::fromHsv(s * 80, 200, 200) });
            chart.setTimeRange(T0, T0 + qint64(points) * 1000);
            chart.setValueRange(0, 12);
            std::vector<QList<QPointF>> data;
            for (int v = 0; v < 4; ++v)
                data.push_back(steps(points, v));
            chart.flush();
            chart.render(&image);
            char label[80];
            std::snprintf(label, sizeof label, "%d points x %d series: replace + paint", points, seriesCount);
            const Figures update = measure(frames, [&](int i) {
                for (int s = 0; s < seriesCount; ++s)
                    chart.setPoints(s, data[std::size_t((i + s) % 4)]);
                chart.flush();
                chart.render(&image);
            });
            std::printf("%-54s %8.2f %8.2f\n", label, update.median, update.p95);
            std::snprintf(label, sizeof label, "%d points x %d series: repaint, same data", points, seriesCount);
            const Figures repaint = measure(frames, [&](int) { chart.render(&image); });
            std::printf("%-54s %8.2f %8.2f\n", label, repaint.median, repaint.p95);
        }
    }
    const QList<QPointF> big = steps(100'000, 1);
    const Figures down
        = measure(frames, [&](int) { (void)Capacity::downsampleMinMax(big, Chart::kMaxPointsPerSeries); });
    std::printf("%-54s %8.2f %8.2f\n", "downsample 100,000 -> 10,000 points (min/max buckets)", down.median, down.p95);
    CapacityHistory history;
    for (int i = 0; i < 50'000; ++i) {
        CapacitySample s;
        s.atMs = T0 + qint64(i) * 1000;
        s.instances = 12;
        s.inMaintenance = i % 3;
        s.critical = (i / 7) % 2;
        s.inService = s.instances - s.inMaintenance - s.critical;
        s.limit = 2;
        history.addSample(s);
    }
    const Figures pts = measure(frames,
        [&](int) { (void)history.points(CapacitySeries::InService, T0, T0 + 50'000'000, Chart::kMaxPointsPerSeries); });
    std::printf("%-54s %8.2f %8.2f\n", "history of 50,000 samples -> one series of <= 10,000", pts.median, pts.p95);
    return 0;
}
