// Renders the timeline, chart, gauge and wall display offscreen into PNG/SVG files from synthetic but
// realistic jobs, for docs and for looking at what the painters draw.
//   QT_QPA_PLATFORM=offscreen timeline_snapshots --out DIR
#include "models/capacitybudget.h"
#include "models/capacityhistory.h"
#include "models/timelinejobs.h"
#include "models/timelinemodel.h"
#include "support/timelinefixtures.h"
#include "widgets/budgetgauge.h"
#include "widgets/chart.h"
#include "widgets/chartcapacity.h"
#include "widgets/theme.h"
#include "widgets/timelinepainter.h"
#include "widgets/walldisplay.h"

#include <cstdio>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QImage>
#include <QPainter>
#include <QSet>
#include <QSettings>
#include <QTemporaryDir>
#include <QVBoxLayout>
#include <QWidget>

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
    parser.addOption(
        { QStringLiteral("out"), QStringLiteral("Output directory."), QStringLiteral("dir"), QStringLiteral(".") });
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
        ok = renderPainter(tp, QSize(1400, 640), 1.0,
                 QDir(out).filePath(dark ? QStringLiteral("timeline-dark.png") : QStringLiteral("timeline-light.png")))
            && ok;
    }
    {
        // Zoomed in on a few minutes at HiDPI.
        TimelinePainter tp;
        tp.setModel(&model);
        tp.setNow(mid);
        tp.setRange(mid - 240'000, mid + 30'000);
        ok = renderPainter(tp, QSize(900, 420), 2.0, QDir(out).filePath(QStringLiteral("timeline-zoomed@2x.png")))
            && ok;
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
        ok = renderPainter(tp, QSize(1920, 1080), 1.0, QDir(out).filePath(QStringLiteral("timeline-5000-lanes.png")))
            && ok;
    }
    for (const bool dark : { false, true }) {
        // Budget gauges: a rolling service, a frozen one, one over budget because of a failing check.
        const Theme theme = dark ? Theme::dark() : Theme::light();
        QWidget panel;
        panel.setAutoFillBackground(true);
        panel.setPalette(theme.palette());
        auto *layout = new QVBoxLayout(&panel);
        ServiceBudget web;
        web.service = QStringLiteral("web");
        web.maxOffline = MaxOffline::percent(25);
        web.instances = 12;
        web.holders = QStringList { QStringLiteral("web-3"), QStringLiteral("web-4") };
        web.offline = { { QStringLiteral("web-3"), QStringLiteral("maintenance: baton job 42 by alice") },
            { QStringLiteral("web-11"), QStringLiteral("critical: http") } };
        const QList<BudgetRun> runs { { 42, QStringLiteral("web-3"), QStringLiteral("web"), NodeRunState::InMaintenance,
                                          p.start, false },
            { 43, QStringLiteral("web-4"), QStringLiteral("web"), NodeRunState::Verifying, p.start, false },
            { 42, QStringLiteral("web-5"), QStringLiteral("web"), NodeRunState::WaitingForSlot, p.start + 1, false },
            { 42, QStringLiteral("web-6"), QStringLiteral("web"), NodeRunState::WaitingForSlot, p.start + 2, false },
            { 43, QStringLiteral("web-7"), QStringLiteral("web"), NodeRunState::WaitingForSlot, p.start + 3, false } };
        ServiceBudget db;
        db.service = QStringLiteral("db");
        db.maxOffline = MaxOffline::freeze();
        db.instances = 3;
        ServiceBudget api;
        api.service = QStringLiteral("api");
        api.maxOffline = MaxOffline::count(1);
        api.instances = 6;
        api.holders = QStringList { QStringLiteral("api-2") };
        api.offline = { { QStringLiteral("api-2"), QStringLiteral("maintenance: baton job 42") },
            { QStringLiteral("api-5"), QStringLiteral("maintenance: kernel upgrade (bob)") } };
        for (const auto &[b, job] :
            { std::pair { web, qint64(42) }, std::pair { db, qint64(42) }, std::pair { api, qint64(42) } }) {
            auto *g = new BudgetGauge(&panel);
            g->setTheme(theme);
            g->setBudget(CapacityBudget::compute(b, job,
                runs
                    + QList<BudgetRun> { { 42, QStringLiteral("api-2"), QStringLiteral("api"),
                        NodeRunState::InMaintenance, p.start, false } }));
            layout->addWidget(g);
        }
        panel.resize(420, panel.sizeHint().height());
        QImage img(panel.size(), QImage::Format_ARGB32_Premultiplied);
        panel.render(&img);
        const QString path
            = QDir(out).filePath(dark ? QStringLiteral("gauges-dark.png") : QStringLiteral("gauges-light.png"));
        ok = img.save(path) && ok;
        std::printf("wrote %s\n", qPrintable(path));
    }
    {
        // Capacity of "web" while the simulated job rolls through it.
        CapacityHistory history(QStringLiteral("web"));
        QSet<QString> inMaintenance;
        for (const JobEvent &e : TimelineFixtures::rollingEvents(p)) {
            if (e.type != JobEvent::Type::NodeState || !e.node.startsWith(QStringLiteral("web")))
                continue;
            if (e.nodeState == NodeRunState::InMaintenance || e.nodeState == NodeRunState::Verifying)
                inMaintenance.insert(e.node);
            else
                inMaintenance.remove(e.node);
            CapacitySample s;
            s.atMs = e.atMs;
            s.instances = p.nodesPerService + 1;
            s.critical = 1; // web-11 fails its check the whole time
            s.inMaintenance = int(inMaintenance.size());
            s.inService = s.instances - s.inMaintenance - s.critical;
            s.limit = p.maxOffline;
            history.addSample(s);
        }
        ChartCapacity chart;
        chart.setClock([end] { return end + 30'000; });
        chart.setWindow(end + 60'000 - p.start);
        chart.setHistory(&history);
        chart.resize(900, 360);
        chart.chart()->flush();
        QImage img(chart.size(), QImage::Format_ARGB32_Premultiplied);
        chart.render(&img);
        const QString path = QDir(out).filePath(QStringLiteral("capacity-chart.png"));
        ok = img.save(path) && ok;
        std::printf("wrote %s\n", qPrintable(path));
    }
    {
        // The wall: six jobs in different states and the budgets of their services.
        TimelineJobs jobs;
        const qint64 now = p.start + 25 * 60'000;
        jobs.setClock([now] { return now; });
        struct Spec
        {
            qint64 id;
            QStringList services;
            int nodes;
            int failEvery;
            qint64 startAgo;
            double progress;
        };
        const QList<Spec> specs { { 101, { QStringLiteral("web") }, 16, 0, 20, 0.5 },
            { 102, { QStringLiteral("db") }, 6, 4, 24, 0.8 },
            { 103, { QStringLiteral("api"), QStringLiteral("cache") }, 24, 0, 12, 0.3 },
            { 104, { QStringLiteral("search") }, 40, 0, 18, 1.2 }, { 105, { QStringLiteral("queue") }, 8, 0, 9, 0.6 },
            { 106, { QStringLiteral("edge") }, 300, 0, 15, 0.45 } };
        for (const Spec &sp : specs) {
            TimelineFixtures::Rolling r;
            r.jobId = sp.id;
            r.services = sp.services;
            r.nodesPerService = sp.nodes;
            r.failEvery = sp.failEvery;
            r.maxOffline = sp.nodes > 100 ? 20 : 2;
            r.start = now - sp.startAgo * 60'000;
            r.playbook = QStringLiteral("rolling-%1.yml").arg(sp.services.first());
            const qint64 rend = TimelineFixtures::rollingEnd(r);
            const qint64 cut = std::min<qint64>(now, r.start + qint64(double(rend - r.start) * sp.progress));
            Job j = TimelineFixtures::rollingJob(r, sp.progress >= 1.0 ? 0 : cut);
            if (sp.id == 105) // a node gone silent in maintenance
                for (NodeRun &n : j.nodes)
                    if (n.state == NodeRunState::InMaintenance)
                        n.lastEventAtMs = now - 20 * 60'000;
            jobs.applyJob(j);
        }
        QTemporaryDir settingsDir;
        QSettings settings(settingsDir.filePath(QStringLiteral("wall.ini")), QSettings::IniFormat);
        for (const bool stale : { false, true }) {
            WallDisplay wall(&jobs);
            wall.setSettings(&settings);
            wall.setClock([now] { return now; });
            wall.resize(1920, 1080);
            QList<ServiceBudget> budgets;
            for (const QString &svc :
                { QStringLiteral("web"), QStringLiteral("db"), QStringLiteral("api"), QStringLiteral("search") }) {
                ServiceBudget b;
                b.service = svc;
                b.maxOffline = MaxOffline::count(2);
                b.instances = 16;
                for (qint64 id : jobs.order()) {
                    const TimelineModel *m = jobs.model(id);
                    for (int i = 0; m && i < m->laneCount(); ++i) {
                        const TimelineLane &l = m->lane(i);
                        if (l.service == svc
                            && (l.state == NodeRunState::InMaintenance || l.state == NodeRunState::Verifying)) {
                            b.holders << l.node;
                            b.offline << OfflinePeer { l.node, QStringLiteral("maintenance: baton job %1").arg(id) };
                        }
                    }
                }
                if (svc == QStringLiteral("db"))
                    b.offline << OfflinePeer { QStringLiteral("db-9"), QStringLiteral("critical: replication lag") };
                budgets << b;
            }
            wall.setServiceBudgets(budgets);
            if (stale)
                wall.setConnection(
                    WallDisplay::Connection::Connecting, now - 42'000, QStringLiteral("connection refused"));
            QImage img(wall.size(), QImage::Format_ARGB32_Premultiplied);
            wall.render(&img);
            const QString path
                = QDir(out).filePath(stale ? QStringLiteral("wall-stale.png") : QStringLiteral("wall.png"));
            ok = img.save(path) && ok;
            std::printf("wrote %s\n", qPrintable(path));
        }
    }
    return ok ? 0 : 1;
}
