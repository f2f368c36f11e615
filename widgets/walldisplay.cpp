#include "widgets/walldisplay.h"

#include "core/base/timestamps.h"
#include "models/capacitybudget.h"
#include "models/timelinecoordinates.h"
#include "models/timelinejobs.h"
#include "models/timelinemodel.h"
#include "widgets/budgetgauge.h"
#include "widgets/fontscale.h"
#include "widgets/walltile.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include <QKeyEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QScreen>
#include <QSettings>
#include <QWindow>

namespace Baton {

namespace {
constexpr int kMinTickMs = 1000; // a wall never needs the now line to move faster than once a second
constexpr int kMaxTickMs = 60'000;
} // namespace

WallDisplay::WallDisplay(TimelineJobs *jobs, QWidget *parent)
    : QWidget(parent)
    , m_jobs(jobs)
{
    setAttribute(Qt::WA_OpaquePaintEvent);
    setFocusPolicy(Qt::StrongFocus);
    setWindowTitle(tr("Baton — wall"));
    m_clock = [] { return Timestamps::nowMs(); };
    for (QTimer *t : { &m_tick, &m_rotate, &m_staleClock })
        t->setTimerType(Qt::CoarseTimer);
    m_tick.setSingleShot(true);
    connect(&m_tick, &QTimer::timeout, this, &WallDisplay::onTick);
    connect(&m_rotate, &QTimer::timeout, this, &WallDisplay::nextPage);
    m_staleClock.setInterval(1000);
    connect(&m_staleClock, &QTimer::timeout, this, [this] { update(bannerRect()); });
    setTheme(m_theme);
    if (jobs) {
        connect(jobs, &TimelineJobs::jobAdded, this, &WallDisplay::onJobAdded);
        connect(jobs, &TimelineJobs::jobRemoved, this, &WallDisplay::onJobRemoved);
        connect(jobs, &TimelineJobs::jobUpdated, this, &WallDisplay::onJobUpdated);
        connect(jobs, &TimelineJobs::orderChanged, this, &WallDisplay::relayout);
        for (qint64 id : jobs->order())
            onJobAdded(id);
    }
    relayout();
}

WallDisplay::~WallDisplay() = default;

void WallDisplay::setTheme(const Theme &theme)
{
    m_theme = theme;
    setPalette(theme.palette());
    for (WallTile *t : std::as_const(m_tiles))
        t->setTheme(theme);
    for (BudgetGauge *g : std::as_const(m_gauges))
        g->setTheme(theme);
    update();
}

void WallDisplay::setClock(std::function<qint64()> clock)
{
    m_clock = clock ? std::move(clock) : std::function<qint64()>([] { return Timestamps::nowMs(); });
    onTick();
}

QFont WallDisplay::scaled(qreal factor, bool bold) const
{
    return scaledFont(font(), m_layout.fontScale * factor, bold);
}

int WallDisplay::headerHeight() const
{
    return QFontMetrics(scaled(1.2, true)).height() + 16;
}

int WallDisplay::bannerHeight() const
{
    return isStale() ? QFontMetrics(scaled(1.1, true)).height() + 16 : 0;
}

QRect WallDisplay::bannerRect() const
{
    return QRect(0, headerHeight(), width(), bannerHeight());
}

// --- settings --------------------------------------------------------------------------------------------------

void WallDisplay::setSettings(QSettings *settings)
{
    m_settings = settings;
}

void WallDisplay::useScreenKey(const QString &key)
{
    m_screenKey = key;
    QSettings *s = m_settings;
    if (!s) {
        if (!m_ownSettings)
            m_ownSettings = std::make_unique<QSettings>();
        s = m_ownSettings.get();
    }
    setWallLayout(WallLayout::load(*s, key));
}

void WallDisplay::setWallLayout(const WallLayout &layout)
{
    m_layout = layout.normalized();
    for (WallTile *t : std::as_const(m_tiles))
        t->setFontScale(m_layout.fontScale);
    for (BudgetGauge *g : std::as_const(m_gauges))
        g->setFontScale(m_layout.fontScale * 0.8);
    relayout();
    update();
}

void WallDisplay::changeLayout(const WallLayout &layout)
{
    setWallLayout(layout);
    if (m_screenKey.isEmpty())
        return;
    QSettings *s = m_settings;
    if (!s) {
        if (!m_ownSettings)
            m_ownSettings = std::make_unique<QSettings>();
        s = m_ownSettings.get();
    }
    m_layout.save(*s, m_screenKey);
}

void WallDisplay::showOnScreen(QScreen *screen)
{
    if (!screen)
        return;
    useScreenKey(WallLayout::screenKey(screen->name(), screen->geometry()));
    setScreen(screen);
    setGeometry(screen->geometry());
    showFullScreen();
}

// --- data ------------------------------------------------------------------------------------------------------

void WallDisplay::onJobAdded(qint64 jobId)
{
    if (!m_jobs || m_tiles.contains(jobId))
        return;
    TimelineModel *model = m_jobs->model(jobId);
    if (!model)
        return;
    auto *tile = new WallTile(this);
    tile->setTheme(m_theme);
    tile->setFontScale(m_layout.fontScale);
    tile->setStuckAfter(m_jobs->thresholds().stuckAfterMs);
    tile->setModel(model);
    tile->setNow(m_clock());
    tile->setAttention(m_jobs->attention(jobId));
    tile->hide();
    m_tiles.insert(jobId, tile);
    relayout();
}

void WallDisplay::onJobRemoved(qint64 jobId)
{
    if (WallTile *tile = m_tiles.take(jobId)) {
        m_removedTilePaints += tile->paintCount();
        tile->deleteLater();
    }
    relayout();
}

void WallDisplay::onJobUpdated(qint64)
{
    // The tile repaints itself from its model's signal; the budgets depend on every job's runs, so they are
    // recomputed once per event-loop turn however many jobs changed in it.
    if (m_budgetsPending)
        return;
    m_budgetsPending = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_budgetsPending = false;
            updateBudgets();
            scheduleTick();
        },
        Qt::QueuedConnection);
}

void WallDisplay::setServiceBudgets(const QList<ServiceBudget> &budgets)
{
    m_budgets = budgets;
    updateBudgets();
    relayout();
}

void WallDisplay::updateBudgets()
{
    if (!m_jobs)
        return;
    // Services in trouble first, then those the shown jobs work on, then the rest.
    const QStringList active = m_jobs->services();
    const QList<BudgetRun> runs = m_jobs->budgetRuns();
    QList<CapacityBudget> budgets;
    for (const ServiceBudget &b : std::as_const(m_budgets)) {
        // "This job" on a wall is the most urgent job working on the service.
        qint64 job = 0;
        for (qint64 id : m_jobs->order()) {
            const TimelineModel *m = m_jobs->model(id);
            for (int g = 0; m && g < m->groupCount() && job == 0; ++g) {
                if (m->group(g).service == b.service && !m->isFinished())
                    job = id;
            }
            if (job != 0)
                break;
        }
        budgets << CapacityBudget::compute(b, job, runs);
    }
    std::stable_sort(budgets.begin(), budgets.end(), [&](const CapacityBudget &a, const CapacityBudget &b) {
        auto rank = [&](const CapacityBudget &c) {
            if (c.isOverBudget())
                return 0;
            if (c.count(CapacityBudget::Cause::FailingCheck) > 0 || c.count(CapacityBudget::Cause::Manual) > 0)
                return 1;
            if (!c.queue.isEmpty() || c.isFrozen())
                return 2;
            if (active.contains(c.service))
                return 3;
            return 4;
        };
        return rank(a) < rank(b);
    });
    while (m_gauges.size() < budgets.size()) {
        auto *g = new BudgetGauge(this);
        g->setTheme(m_theme);
        g->setFontScale(m_layout.fontScale * 0.8);
        g->hide();
        m_gauges << g;
    }
    while (m_gauges.size() > budgets.size())
        delete m_gauges.takeLast();
    for (int i = 0; i < budgets.size(); ++i)
        m_gauges[i]->setBudget(budgets[i]); // repaints only when it differs
}

QStringList WallDisplay::gaugeServices() const
{
    QStringList out;
    for (const BudgetGauge *g : m_gauges) {
        if (g->isVisibleTo(this))
            out << g->budget().service;
    }
    return out;
}

// --- layout ----------------------------------------------------------------------------------------------------

void WallDisplay::relayout()
{
    const int top = headerHeight() + bannerHeight();
    int bottom = height();
    // Budget gauges along the bottom, as many as fit side by side.
    const int gaugeWidth = int(330 * m_layout.fontScale * 0.8);
    const int gaugeCount = m_layout.showBudgets
        ? std::min<int>(int(m_gauges.size()), std::max(1, width() / std::max(1, gaugeWidth)))
        : 0;
    if (gaugeCount > 0) {
        const int gh = m_gauges.first()->sizeHint().height();
        bottom -= gh + 8;
        const int w = width() / gaugeCount;
        for (int i = 0; i < m_gauges.size(); ++i) {
            if (i < gaugeCount) {
                m_gauges[i]->setGeometry(i * w + 4, bottom + 4, w - 8, gh);
                m_gauges[i]->show();
            } else {
                m_gauges[i]->hide();
            }
        }
    } else {
        for (BudgetGauge *g : std::as_const(m_gauges))
            g->hide();
    }
    m_tilesArea = QRect(0, top, width(), std::max(0, bottom - top));

    QList<qint64> order = m_jobs ? m_jobs->order() : QList<qint64>();
    order.erase(
        std::remove_if(order.begin(), order.end(), [this](qint64 id) { return !m_tiles.contains(id); }), order.end());
    const int n = int(order.size());
    const int minW = int(420 * m_layout.fontScale);
    const int minH = int(130 * m_layout.fontScale);
    const int maxCols = std::max(1, m_tilesArea.width() / std::max(1, minW));
    const int rowsFit = std::max(1, m_tilesArea.height() / std::max(1, minH));
    int cols = m_layout.columns > 0 ? m_layout.columns : 1;
    if (m_layout.columns <= 0) {
        // The fewest columns that fit everything (wide tiles read best); all columns if nothing fits.
        cols = maxCols;
        for (int c = 1; c <= maxCols; ++c) {
            if ((n + c - 1) / c <= rowsFit) {
                cols = c;
                break;
            }
        }
    }
    const int perPage = std::max(1, cols * rowsFit);
    QList<qint64> visible;
    if (n <= perPage) {
        visible = order;
        m_pages = 1;
        m_page = 0;
    } else {
        // Jobs that need attention stay; the others take turns in the remaining slots.
        QList<qint64> pinned;
        QList<qint64> others;
        for (qint64 id : order) {
            if (m_jobs->attention(id).needsAttention() && pinned.size() < perPage - 1)
                pinned << id;
            else
                others << id;
        }
        const int slots = std::max(1, perPage - int(pinned.size()));
        m_pages = std::max(1, int((others.size() + slots - 1) / slots));
        m_page = std::clamp(m_page, 0, m_pages - 1);
        visible = pinned + others.mid(qsizetype(m_page) * slots, slots);
    }
    const int rows = std::max(1, int((visible.size() + cols - 1) / std::max(1, cols)));
    const int tileW = m_tilesArea.width() / std::max(1, cols);
    const int tileH = m_tilesArea.height() / rows;
    for (auto it = m_tiles.begin(); it != m_tiles.end(); ++it) {
        const int index = int(visible.indexOf(it.key()));
        WallTile *tile = it.value();
        if (index < 0) {
            tile->hide();
            continue;
        }
        const QRect r(
            m_tilesArea.left() + (index % cols) * tileW, m_tilesArea.top() + (index / cols) * tileH, tileW, tileH);
        const QRect inner = r.adjusted(4, 4, -4, -4);
        if (tile->geometry() != inner)
            tile->setGeometry(inner);
        tile->setAttention(m_jobs->attention(it.key()));
        if (!tile->isVisibleTo(this))
            tile->show();
    }
    if (visible != m_visible) {
        m_visible = visible;
        update(QRect(0, 0, width(), headerHeight()));
        if (m_tilesArea.isValid() && visible.isEmpty())
            update(m_tilesArea);
    }
    updateTimers();
}

void WallDisplay::nextPage()
{
    if (m_pages <= 1)
        return;
    m_page = (m_page + 1) % m_pages;
    relayout();
}

void WallDisplay::previousPage()
{
    if (m_pages <= 1)
        return;
    m_page = (m_page + m_pages - 1) % m_pages;
    relayout();
}

// --- time ------------------------------------------------------------------------------------------------------

void WallDisplay::setConnection(Connection state, qint64 lastUpdateMs, const QString &detail)
{
    // The time of the last update only shows while stale: a live stream reporting each batch costs nothing.
    if (state == m_connection && detail == m_connectionDetail && !isStale()) {
        m_lastUpdateMs = lastUpdateMs;
        return;
    }
    const bool wasStale = isStale();
    m_connection = state;
    m_lastUpdateMs = lastUpdateMs;
    m_connectionDetail = detail;
    if (wasStale != isStale())
        relayout(); // the banner takes or gives back room
    update(QRect(0, 0, width(), headerHeight() + std::max(bannerHeight(), 1)));
    updateTimers();
}

QString WallDisplay::staleText() const
{
    if (!isStale())
        return QString();
    const QString ago = m_lastUpdateMs > 0
        ? tr("last update %1 ago").arg(Timeline::formatDuration(std::max<qint64>(0, m_clock() - m_lastUpdateMs)))
        : tr("no update yet");
    QString text = m_connection == Connection::Connecting ? tr("Reconnecting to the job service… %1").arg(ago)
                                                          : tr("Connection lost — %1").arg(ago);
    if (!m_connectionDetail.isEmpty())
        text += QStringLiteral(" (%1)").arg(m_connectionDetail);
    return text;
}

void WallDisplay::updateTimers()
{
    const bool visible = isVisible();
    if (visible && isStale()) {
        if (!m_staleClock.isActive())
            m_staleClock.start();
    } else {
        m_staleClock.stop();
    }
    if (visible && m_pages > 1) {
        const int interval = m_layout.rotateSeconds * 1000;
        if (!m_rotate.isActive() || m_rotate.interval() != interval)
            m_rotate.start(interval);
    } else {
        m_rotate.stop();
    }
    scheduleTick();
}

void WallDisplay::scheduleTick()
{
    if (!isVisible()) {
        m_tick.stop();
        return;
    }
    qint64 soonest = -1;
    for (qint64 id : std::as_const(m_visible)) {
        const WallTile *tile = m_tiles.value(id);
        if (!tile)
            continue;
        const qint64 ms = tile->msUntilNowMoves();
        if (ms > 0 && (soonest < 0 || ms < soonest))
            soonest = ms;
    }
    if (soonest < 0) {
        m_tick.stop();
        return;
    }
    const int interval = int(std::clamp<qint64>(soonest, kMinTickMs, kMaxTickMs));
    if (!m_tick.isActive() || m_tick.remainingTime() > interval)
        m_tick.start(interval);
}

void WallDisplay::onTick()
{
    const qint64 now = m_clock();
    for (qint64 id : std::as_const(m_visible)) {
        if (WallTile *tile = m_tiles.value(id))
            tile->setNow(now); // repaints only what moved
    }
    // Hidden tiles keep their clock too, without painting.
    for (auto it = m_tiles.cbegin(); it != m_tiles.cend(); ++it) {
        if (!m_visible.contains(it.key()))
            it.value()->setNow(now);
    }
    m_tick.stop();
    scheduleTick();
}

// --- events ----------------------------------------------------------------------------------------------------

void WallDisplay::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    relayout();
}

void WallDisplay::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    onTick();
    updateTimers();
}

void WallDisplay::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_tick.stop();
    m_rotate.stop();
    m_staleClock.stop();
}

void WallDisplay::keyPressEvent(QKeyEvent *event)
{
    WallLayout l = m_layout;
    switch (event->key()) {
    case Qt::Key_Escape:
        Q_EMIT exitRequested();
        return;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        l.fontScale += 0.1;
        break;
    case Qt::Key_Minus:
        l.fontScale -= 0.1;
        break;
    case Qt::Key_BracketRight:
        l.columns += 1;
        break;
    case Qt::Key_BracketLeft:
        l.columns = std::max(0, l.columns - 1);
        break;
    case Qt::Key_B:
        l.showBudgets = !l.showBudgets;
        break;
    case Qt::Key_Space:
    case Qt::Key_PageDown:
        nextPage();
        return;
    case Qt::Key_PageUp:
        previousPage();
        return;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    changeLayout(l);
}

int WallDisplay::tilePaintCount() const
{
    int n = m_removedTilePaints;
    for (const WallTile *t : m_tiles)
        n += t->paintCount();
    return n;
}

void WallDisplay::paintEvent(QPaintEvent *event)
{
    ++m_paints;
    QPainter p(this);
    const QRect all = event->rect();
    const QColor window = m_theme.color(Theme::Role::Window);
    p.fillRect(all, m_theme.color(Theme::Role::Base));

    // Header: what the wall shows.
    const QRect header(0, 0, width(), headerHeight());
    if (all.intersects(header)) {
        p.fillRect(header, window);
        p.setFont(scaled(1.2, true));
        p.setPen(m_theme.color(Theme::Role::Text));
        const int attention = m_jobs ? int(std::count_if(m_visible.begin(), m_visible.end(),
                                  [this](qint64 id) { return m_jobs->attention(id).needsAttention(); }))
                                     : 0;
        const int total = m_jobs ? m_jobs->count() : 0;
        QString title = total == 1 ? tr("Baton · 1 job") : tr("Baton · %1 jobs").arg(total);
        if (attention > 0)
            title += attention == 1 ? tr(" · 1 needs attention") : tr(" · %1 need attention").arg(attention);
        p.drawText(header.adjusted(16, 0, -16, 0), Qt::AlignVCenter | Qt::AlignLeft, title);
        if (m_pages > 1) {
            p.setFont(scaled(0.9));
            p.setPen(m_theme.color(Theme::Role::MutedText));
            p.drawText(header.adjusted(16, 0, -16, 0), Qt::AlignVCenter | Qt::AlignRight,
                tr("page %1 of %2").arg(m_page + 1).arg(m_pages));
        }
    }
    // Staleness banner.
    const QRect banner = bannerRect();
    if (isStale() && all.intersects(banner)) {
        const QColor c = m_connection == Connection::Connecting ? m_theme.color(Theme::Role::Warning)
                                                                : m_theme.color(Theme::Role::Critical);
        p.fillRect(banner, c);
        p.setFont(scaled(1.1, true));
        p.setPen(qGray(c.rgb()) > 140 ? QColor(Qt::black) : QColor(Qt::white));
        p.drawText(banner.adjusted(16, 0, -16, 0), Qt::AlignVCenter | Qt::AlignLeft, staleText());
    }
    if (m_visible.isEmpty() && all.intersects(m_tilesArea)) {
        p.setFont(scaled(1.6));
        p.setPen(m_theme.color(Theme::Role::MutedText));
        p.drawText(m_tilesArea, Qt::AlignCenter, tr("No jobs running"));
    }
}

} // namespace Baton
