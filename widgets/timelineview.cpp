#include "widgets/timelineview.h"

#include "core/base/timestamps.h"
#include "models/timelinecoordinates.h"
#include "models/timelinemodel.h"
#include "models/timelinetooltip.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include <QContextMenuEvent>
#include <QDateTime>
#include <QFileDialog>
#include <QHelpEvent>
#include <QMenu>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

namespace Baton {

namespace {
constexpr int kDragThreshold = 4;
constexpr int kMinTickMs = 50; // the now line never drives more than 20 frames a second
constexpr double kZoomStep = 0.8;
} // namespace

TimelineView::TimelineView(QWidget *parent)
    : QAbstractScrollArea(parent)
{
    setFrameShape(QFrame::NoFrame);
    setFocusPolicy(Qt::StrongFocus);
    viewport()->setMouseTracking(true);
    // The painter fills every pixel itself; no background erase before each paint.
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
    viewport()->setAutoFillBackground(false);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_tick.setSingleShot(true);
    m_tick.setTimerType(Qt::CoarseTimer);
    connect(&m_tick, &QTimer::timeout, this, &TimelineView::onTick);
    connect(&m_zoom, &TimelineZoom::rangeChanged, this, &TimelineView::onRangeChanged);
    connect(&m_zoom, &TimelineZoom::followChanged, this,
        [this](TimelineZoom::Follow f) { Q_EMIT followingChanged(f != TimelineZoom::Follow::Off); });
    connect(horizontalScrollBar(), &QScrollBar::valueChanged, this, &TimelineView::onHorizontalScroll);
    m_clock = [] { return Timestamps::nowMs(); };
    m_painter.setTheme(Theme::current());
}

TimelineView::~TimelineView() = default;

qint64 TimelineView::now() const
{
    return m_clock();
}

void TimelineView::setClock(std::function<qint64()> clock)
{
    m_clock = clock ? std::move(clock) : std::function<qint64()>([] { return Timestamps::nowMs(); });
    m_zoom.setNow(now());
    syncPainter();
    viewport()->update();
    scheduleTick();
}

void TimelineView::setModel(TimelineModel *model)
{
    if (m_model == model)
        return;
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    m_painter.setModel(model);
    if (model) {
        connect(model, &TimelineModel::updated, this, &TimelineView::onModelUpdated);
        connect(model, &TimelineModel::lanesReset, this, &TimelineView::onModelReset);
        connect(model, &QObject::destroyed, this, [this] {
            m_painter.setModel(nullptr);
            m_tick.stop();
            viewport()->update();
        });
    }
    m_zoom.setNow(now());
    syncTrace();
    fitJob();
    updateScrollBars();
    viewport()->update();
    scheduleTick();
}

TimelineModel *TimelineView::model() const
{
    return m_model.data();
}

void TimelineView::setTheme(const Theme &theme)
{
    m_painter.setTheme(theme);
    viewport()->update();
}

void TimelineView::setOptions(const TimelinePainter::Options &options)
{
    m_painter.setOptions(options);
    updateScrollBars();
    viewport()->update();
}

void TimelineView::setFitLanes(bool fit)
{
    TimelinePainter::Options o = m_painter.options();
    if (o.fit == fit)
        return;
    o.fit = fit;
    setOptions(o);
}

void TimelineView::syncTrace()
{
    if (!m_model || m_model->laneCount() == 0)
        return;
    m_zoom.setTrace(m_model->traceStart(), m_model->traceEnd(now()));
}

void TimelineView::syncPainter()
{
    m_painter.setSize(viewport()->size());
    m_painter.setDevicePixelRatio(viewport()->devicePixelRatioF());
    m_painter.setRange(m_zoom.rangeStart(), m_zoom.rangeEnd());
    m_painter.setNow(m_zoom.now());
    m_painter.setScrollY(verticalScrollBar()->value());
}

void TimelineView::onModelUpdated()
{
    syncTrace();
    updateScrollBars();
    viewport()->update();
    scheduleTick();
}

void TimelineView::onModelReset()
{
    m_painter.setHoverRow(-1);
    updateScrollBars();
}

void TimelineView::onRangeChanged()
{
    updateScrollBars();
    viewport()->update();
}

void TimelineView::updateScrollBars()
{
    m_updatingScrollBars = true;
    syncPainter();
    const QRect lanes = m_painter.laneArea();
    QScrollBar *v = verticalScrollBar();
    const int content = m_painter.contentHeight();
    v->setRange(0, std::max(0, content - lanes.height()));
    v->setPageStep(std::max(1, lanes.height()));
    v->setSingleStep(std::max(1, m_painter.options().rowHeight));
    m_painter.setScrollY(v->value());

    // The horizontal bar covers the job's extent plus whatever the range shows beyond it, in units small
    // enough for smooth scrolling and large enough for an int.
    QScrollBar *h = horizontalScrollBar();
    const qint64 length = std::max<qint64>(1, m_zoom.rangeLength());
    m_scrollUnit = std::max<qint64>(1, length / 1000);
    const qint64 extentStart = std::min(m_zoom.traceStart(), m_zoom.rangeStart());
    const qint64 extentEnd = std::max(std::max(m_zoom.traceEnd(), m_zoom.now()), m_zoom.rangeEnd());
    m_scrollBase = extentStart;
    h->setRange(0, int(std::clamp<qint64>((extentEnd - length - extentStart) / m_scrollUnit, 0, INT_MAX / 2)));
    h->setPageStep(int(std::clamp<qint64>(length / m_scrollUnit, 1, INT_MAX / 2)));
    h->setSingleStep(std::max(1, h->pageStep() / 10));
    h->setValue(int(std::clamp<qint64>((m_zoom.rangeStart() - extentStart) / m_scrollUnit, 0, INT_MAX / 2)));
    m_updatingScrollBars = false;
}

void TimelineView::onHorizontalScroll(int value)
{
    if (m_updatingScrollBars)
        return;
    const qint64 length = m_zoom.rangeLength();
    const qint64 start = m_scrollBase + qint64(value) * m_scrollUnit;
    m_zoom.setRange(start, start + length); // a user scroll: following pauses
}

void TimelineView::scrollContentsBy(int, int dy)
{
    if (dy != 0) {
        m_painter.setScrollY(verticalScrollBar()->value());
        viewport()->update();
    }
}

void TimelineView::paintEvent(QPaintEvent *event)
{
    syncPainter();
    QPainter p(viewport());
    m_painter.paint(p, event->rect());
}

void TimelineView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBars();
    scheduleTick();
}

void TimelineView::showEvent(QShowEvent *event)
{
    QAbstractScrollArea::showEvent(event);
    m_zoom.setNow(now());
    syncTrace();
    scheduleTick();
}

void TimelineView::hideEvent(QHideEvent *event)
{
    QAbstractScrollArea::hideEvent(event);
    m_tick.stop();
}

void TimelineView::changeEvent(QEvent *event)
{
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        viewport()->update();
}

void TimelineView::scheduleTick()
{
    if (!isVisible() || !m_model) {
        m_tick.stop();
        return;
    }
    syncPainter();
    const qint64 ms = m_painter.msUntilNowMoves();
    if (ms < 0) {
        m_tick.stop();
        return;
    }
    m_tick.start(int(std::clamp<qint64>(ms, kMinTickMs, 60'000)));
}

void TimelineView::onTick()
{
    m_zoom.setNow(now());
    syncTrace();
    syncPainter();
    viewport()->update(m_painter.laneArea().united(QRect(0, 0, viewport()->width(), m_painter.laneArea().top())));
    scheduleTick();
}

void TimelineView::zoomIn()
{
    const qint64 anchor
        = m_zoom.follow() != TimelineZoom::Follow::Off ? m_zoom.now() : m_zoom.rangeStart() + m_zoom.rangeLength() / 2;
    m_zoom.zoom(kZoomStep, anchor);
}

void TimelineView::zoomOut()
{
    const qint64 anchor
        = m_zoom.follow() != TimelineZoom::Follow::Off ? m_zoom.now() : m_zoom.rangeStart() + m_zoom.rangeLength() / 2;
    m_zoom.zoom(1.0 / kZoomStep, anchor);
}

void TimelineView::followNow()
{
    m_zoom.setNow(now());
    m_zoom.setFollow(TimelineZoom::Follow::Window);
    scheduleTick();
}

void TimelineView::fitJob()
{
    syncTrace();
    const bool running = m_model && !m_model->isFinished();
    m_zoom.fitTrace(running);
    scheduleTick();
}

void TimelineView::wheelEvent(QWheelEvent *event)
{
    const QPoint angle = event->angleDelta();
    if (event->modifiers() & Qt::ControlModifier) {
        const double steps = angle.y() / 120.0;
        if (steps != 0) {
            syncPainter();
            const double x = event->position().x();
            const qint64 anchor = x >= m_painter.laneArea().left() ? m_painter.xToTime(x)
                                                                   : m_zoom.rangeStart() + m_zoom.rangeLength() / 2;
            m_zoom.zoom(std::pow(kZoomStep, steps), anchor);
        }
        event->accept();
        return;
    }
    const int horizontal = angle.x() != 0 ? angle.x() : ((event->modifiers() & Qt::ShiftModifier) ? angle.y() : 0);
    if (horizontal != 0) {
        m_zoom.pan(-qint64(double(horizontal) / 120.0 * double(m_zoom.rangeLength()) / 10.0));
        event->accept();
        return;
    }
    QAbstractScrollArea::wheelEvent(event);
}

void TimelineView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        return;
    case Qt::Key_Minus:
        zoomOut();
        return;
    case Qt::Key_Left:
        m_zoom.pan(-m_zoom.rangeLength() / 10);
        return;
    case Qt::Key_Right:
        m_zoom.pan(m_zoom.rangeLength() / 10);
        return;
    case Qt::Key_Home:
        m_zoom.setRange(m_zoom.traceStart(), m_zoom.traceStart() + m_zoom.rangeLength());
        return;
    case Qt::Key_End:
    case Qt::Key_F:
        followNow();
        return;
    case Qt::Key_0:
        fitJob();
        return;
    case Qt::Key_A:
        setFitLanes(!fitLanes());
        return;
    default:
        break;
    }
    QAbstractScrollArea::keyPressEvent(event);
}

void TimelineView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) {
        QAbstractScrollArea::mousePressEvent(event);
        return;
    }
    m_pressed = true;
    m_dragging = false;
    m_pressPos = event->position().toPoint();
    m_pressRangeStart = m_zoom.rangeStart();
    event->accept();
}

void TimelineView::mouseMoveEvent(QMouseEvent *event)
{
    const QPoint pos = event->position().toPoint();
    if (m_pressed && (event->buttons() & Qt::LeftButton)) {
        if (!m_dragging && (pos - m_pressPos).manhattanLength() >= kDragThreshold
            && m_pressPos.x() >= m_painter.laneArea().left())
            m_dragging = true;
        if (m_dragging) {
            const double msPerPx
                = Timeline::msPerPixel(m_zoom.rangeStart(), m_zoom.rangeEnd(), m_painter.laneArea().width());
            const qint64 start = m_pressRangeStart - qint64(std::llround((pos.x() - m_pressPos.x()) * msPerPx));
            m_zoom.setRange(start, start + m_zoom.rangeLength());
            setCursor(Qt::ClosedHandCursor);
        }
        event->accept();
        return;
    }
    const TimelineHit hit = hitAt(pos);
    setHoverRow(hit.kind == TimelineHit::Kind::Lane || hit.kind == TimelineHit::Kind::Label
                || hit.kind == TimelineHit::Kind::Aggregate
            ? hit.row
            : -1);
}

void TimelineView::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !m_pressed) {
        QAbstractScrollArea::mouseReleaseEvent(event);
        return;
    }
    m_pressed = false;
    unsetCursor();
    if (!m_dragging)
        activate(hitAt(event->position().toPoint()));
    m_dragging = false;
    event->accept();
}

void TimelineView::leaveEvent(QEvent *event)
{
    QAbstractScrollArea::leaveEvent(event);
    setHoverRow(-1);
}

void TimelineView::setHoverRow(int row)
{
    if (m_painter.hoverRow() == row)
        return;
    m_painter.setHoverRow(row);
    viewport()->update(); // repainted from the geometry cache
}

void TimelineView::activate(const TimelineHit &hit)
{
    if (!m_model)
        return;
    switch (hit.kind) {
    case TimelineHit::Kind::Lane:
    case TimelineHit::Kind::Label:
        if (hit.laneCount == 1 && hit.lane >= 0 && hit.lane < m_model->laneCount()) {
            m_painter.setSelectedLane(hit.lane);
            viewport()->update();
            Q_EMIT nodeActivated(m_model->jobId(), m_model->lane(hit.lane).node);
            return;
        }
        [[fallthrough]];
    case TimelineHit::Kind::Aggregate: {
        // Leave fit mode and bring these lanes into view.
        const int lane = hit.lane;
        setFitLanes(false);
        const int row = m_painter.layout().rowOfLane(lane);
        if (row >= 0)
            verticalScrollBar()->setValue(m_painter.layout().row(row).y);
        return;
    }
    case TimelineHit::Kind::Header: {
        if (hit.group < 0 || hit.group >= m_model->groupCount())
            return;
        TimelinePainter::Options o = m_painter.options();
        const QString service = m_model->group(hit.group).service;
        if (o.collapsed.contains(service))
            o.collapsed.removeAll(service);
        else
            o.collapsed << service;
        setOptions(o);
        return;
    }
    case TimelineHit::Kind::Ruler:
    case TimelineHit::Kind::None:
        return;
    }
}

TimelineHit TimelineView::hitAt(const QPoint &viewportPos) const
{
    const_cast<TimelineView *>(this)->syncPainter();
    return m_painter.hitTest(viewportPos);
}

QString TimelineView::toolTipAt(const QPoint &viewportPos) const
{
    const TimelineHit hit = hitAt(viewportPos);
    if (!m_model)
        return QString();
    const qint64 t = now();
    switch (hit.kind) {
    case TimelineHit::Kind::Lane: {
        qint64 at = hit.time;
        if (hit.span >= 0) {
            // Describe the span drawn under the cursor (with sub-pixel merging it may be a short one nearby).
            const TimelineSpan &s = m_model->span(hit.lane, hit.span);
            const qint64 end = s.isOpen() ? std::max(t, s.start + 1) : s.end;
            at = std::clamp(at, s.start, end - 1);
        }
        return Timeline::laneTooltip(*m_model, hit.lane, at, t);
    }
    case TimelineHit::Kind::Label:
        if (hit.laneCount > 1)
            return Timeline::aggregateTooltip(*m_model, hit.lane, hit.laneCount, t, t);
        return Timeline::laneTooltip(*m_model, hit.lane, std::min(t, m_model->traceEnd(t) - 1), t);
    case TimelineHit::Kind::Aggregate:
        return Timeline::aggregateTooltip(*m_model, hit.lane, hit.laneCount, hit.time, t);
    case TimelineHit::Kind::Header:
        return Timeline::groupTooltip(*m_model, hit.group);
    case TimelineHit::Kind::Ruler:
        return QDateTime::fromMSecsSinceEpoch(hit.time).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case TimelineHit::Kind::None:
        break;
    }
    return QString();
}

bool TimelineView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), text, viewport());
        }
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

TimelineExport::Params TimelineView::exportParams() const
{
    TimelineExport::Params p;
    p.rangeStart = m_zoom.rangeStart();
    p.rangeEnd = m_zoom.rangeEnd();
    p.now = now();
    p.width = std::max(800, viewport()->width());
    p.theme = m_painter.theme();
    p.options = m_painter.options();
    p.options.collapsed.clear();
    if (m_model)
        p.title = QStringLiteral("Job %1 — %2").arg(m_model->jobId()).arg(m_model->job().spec.playbook);
    return p;
}

Result<void> TimelineView::exportPng(const QString &path) const
{
    if (!m_model)
        return fail(Error::Kind::InvalidInput, QStringLiteral("no job to export"));
    return TimelineExport::exportPng(*m_model, exportParams(), path);
}

Result<void> TimelineView::exportSvg(const QString &path) const
{
    if (!m_model)
        return fail(Error::Kind::InvalidInput, QStringLiteral("no job to export"));
    return TimelineExport::exportSvg(*m_model, exportParams(), path);
}

void TimelineView::startExport(bool svg)
{
    // Non-modal: no nested event loop; the result arrives through exportFinished().
    auto *dialog = new QFileDialog(this, svg ? tr("Export timeline as SVG") : tr("Export timeline as PNG"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setNameFilter(svg ? tr("SVG images (*.svg)") : tr("PNG images (*.png)"));
    dialog->setDefaultSuffix(svg ? QStringLiteral("svg") : QStringLiteral("png"));
    if (m_model)
        dialog->selectFile(QStringLiteral("job-%1-timeline.%2")
                               .arg(m_model->jobId())
                               .arg(svg ? QStringLiteral("svg") : QStringLiteral("png")));
    connect(dialog, &QFileDialog::fileSelected, this, [this, svg](const QString &path) {
        const Result<void> r = svg ? exportSvg(path) : exportPng(path);
        Q_EMIT exportFinished(path, r ? QString() : r.error().toString());
    });
    dialog->open();
}

void TimelineView::contextMenuEvent(QContextMenuEvent *event)
{
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    QAction *follow = menu->addAction(tr("Follow now"), this, &TimelineView::followNow);
    follow->setShortcut(QKeySequence(Qt::Key_End));
    follow->setEnabled(m_model && !m_model->isFinished());
    menu->addAction(tr("Fit whole job"), this, &TimelineView::fitJob)->setShortcut(QKeySequence(Qt::Key_0));
    QAction *fit = menu->addAction(tr("Fit all nodes"), this, [this](bool on) { setFitLanes(on); });
    fit->setCheckable(true);
    fit->setChecked(fitLanes());
    fit->setShortcut(QKeySequence(Qt::Key_A));
    menu->addSeparator();
    menu->addAction(tr("Zoom in"), this, &TimelineView::zoomIn)->setShortcut(QKeySequence(Qt::Key_Plus));
    menu->addAction(tr("Zoom out"), this, &TimelineView::zoomOut)->setShortcut(QKeySequence(Qt::Key_Minus));
    menu->addSeparator();
    menu->addAction(tr("Export as PNG…"), this, [this] { startExport(false); })->setEnabled(m_model);
    menu->addAction(tr("Export as SVG…"), this, [this] { startExport(true); })->setEnabled(m_model);
    menu->popup(event->globalPos());
}

} // namespace Baton
