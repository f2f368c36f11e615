#pragma once

#include "models/timelinelod.h"
#include "models/timelinerowlayout.h"
#include "models/timelinesummary.h"
#include "widgets/theme.h"

#include <array>
#include <vector>

#include <QImage>
#include <QPointer>
#include <QRect>
#include <QSize>
#include <QStringList>

class QPainter;

namespace Baton {

class TimelineModel;

// What is under a point of the timeline.
struct TimelineHit
{
    enum class Kind
    {
        None, // outside, no model, or nothing there
        Ruler, // the time axis; `time` is set
        Header, // a service header (label column or lane area); `group` is set
        Label, // a lane's name in the label column; `lane` is set
        Lane, // a lane's bar area; `lane`, `time`, `span` (-1 if none), `task` (-1 if none)
        Aggregate, // a row standing for `laneCount` lanes from `lane`; `time`, and `span` is the lane shown
    };
    Kind kind = Kind::None;
    int row = -1;
    int group = -1;
    int lane = -1;
    int laneCount = 0;
    int span = -1;
    int task = -1;
    qint64 time = 0;
};

// \class TimelinePainter
// \brief Paints a TimelineModel into any QPainter (widget, image, SVG) and answers hit tests.
//
// One painter draws every row of the viewport, as Qt Creator's track painters do, rather than one widget or
// delegate per lane:
// - culling on both axes: only rows intersecting the exposed rectangle are visited, and per lane only spans
//   between firstIndex(rangeStart) and lastIndex(rangeEnd);
// - level of detail from Timeline::laneRuns(): exact when zoomed in, about one run per pixel column when
//   zoomed out, aggregated rows when there are more lanes than pixel rows;
// - fills batched by style and drawn with fillRect, antialiasing off, in device pixels (HiDPI-exact);
// - geometry cached per row, keyed on (range, width, layout) for the whole cache and on the generations of
//   the row's lanes per row, so hover, scroll and the moving now line repaint from the cache and a live
//   update rebuilds only the rows whose lanes changed. Open spans are cached up to the "now" of the build and
//   their growth since is drawn live, one rectangle per row. Grid, zebra, now line and hover are drawn live
//   every frame (cheap, and baking them in would make them drift).
class TimelinePainter
{
public:
    struct Options
    {
        int labelWidth = 190; // 0 hides the label column
        int rulerHeight = 26; // 0 hides the ruler
        int headerHeight = 24;
        int rowHeight = 24;
        bool fit = false; // every lane fits the height (aggregating when needed) instead of scrolling
        int minRowHeight = 2;
        int maxRowHeight = 30;
        bool showHeaders = true;
        bool showTasks = true;
        qreal fontScale = 1.0;
        qint64 stuckAfterMs = 0; // > 0: active lanes silent this long are flagged in the label column
        QStringList collapsed; // services shown as a header only

        bool operator==(const Options &) const = default;
    };

    // Figures of the last paint() for the frame-time log and benchmarks.
    struct FrameStats
    {
        int rowsPainted = 0;
        int rowsBuilt = 0; // rows whose geometry was (re)computed
        int summariesBuilt = 0; // aggregated rows whose bucket summary was (re)built
        int rects = 0;
    };

    TimelinePainter();
    ~TimelinePainter();

    void setModel(const TimelineModel *model);
    const TimelineModel *model() const;
    void setTheme(const Theme &theme);
    const Theme &theme() const { return m_theme; }
    void setOptions(const Options &options);
    const Options &options() const { return m_options; }
    void setSize(const QSize &size);
    QSize size() const { return m_size; }
    void setDevicePixelRatio(qreal dpr);
    qreal devicePixelRatio() const { return m_dpr; }
    void setRange(qint64 start, qint64 end);
    qint64 rangeStart() const { return m_rangeStart; }
    qint64 rangeEnd() const { return m_rangeEnd; }
    void setNow(qint64 now);
    qint64 now() const { return m_now; }
    void setScrollY(int y); // lane content scrolled by y logical pixels
    int scrollY() const { return m_scrollY; }
    void setHoverRow(int row); // -1 for none
    int hoverRow() const { return m_hoverRow; }
    void setSelectedLane(int lane);
    int selectedLane() const { return m_selectedLane; }

    // The area right of the labels and below the ruler, where bars are drawn.
    QRect laneArea() const;
    // Height of every row together (the vertical scroll range is contentHeight() - laneArea().height()).
    int contentHeight() const;
    const TimelineRowLayout &layout() const;

    double timeToX(qint64 t) const; // logical x in the painter's coordinates
    qint64 xToTime(double x) const;

    TimelineHit hitTest(const QPoint &pos) const;

    // Paints the part of the timeline inside `exposed` (logical coordinates of a painter whose origin is the
    // timeline's top-left corner).
    void paint(QPainter &painter, const QRect &exposed);

    // How long until the now line moves by a device pixel, or -1 when nothing on screen moves with time
    // (no model, a finished job, now outside the range).
    qint64 msUntilNowMoves() const;

    // Drops every cached row (tests and benchmarks measuring cold frames).
    void invalidate();
    // Drops the caches and gives their memory back: the raster, row geometry, bucket summaries and scanline
    // buffers. For painters that stop being shown for a while (a wall tile rotated out keeps a model, not a
    // picture); the next paint is a cold one.
    void releaseCaches();
    // Bytes held by those caches (approximate: buffer capacities), for tests and the soak harness.
    qsizetype cacheBytes() const;

    const FrameStats &lastFrame() const { return m_stats; }

private:
    struct RowGeometry
    {
        quint64 key = 0; // sum of the row's lane generations when built; 0 = not built
        int builtNowX = -1; // device x up to which open spans are baked in
        Timeline::Style tail = Timeline::kNoStyle;
        std::vector<Timeline::Run> runs;
        std::vector<Timeline::Run> tasks;
    };
    struct StyleLook
    {
        QColor fill;
        QColor overlay; // pattern colour, invalid for solid fills
        Qt::BrushStyle pattern = Qt::NoBrush;
        bool outline = false;
        QColor outlineColor;
        QColor text;
    };

    void ensureLayout() const;
    void ensureCacheKey() const;
    const RowGeometry &rowGeometry(int row) const;
    quint64 rowKey(const TimelineRow &row) const;
    int laneWidthDev() const;
    int nowXDev() const; // device x of now inside the lane area (may be outside [0, width])
    void rebuildLooks();
    QFont scaledFont(const QFont &base, qreal factor, bool bold = false) const;

    void paintRuler(QPainter &p, const QRect &exposed) const;
    void paintLabels(QPainter &p, const QRect &exposed, int firstRow, int lastRow) const;
    struct RowBox
    {
        int top = 0; // device pixels from the top of the lane area
        int bottom = 0;
        int barTop = 0;
        int barH = 0;
        int stripH = 0; // task strip under the bar
        bool thin = false; // quiet outcomes drawn as a thin band
        int thinTop = 0;
        int thinH = 0;
        bool outlines = false;
    };
    RowBox rowBox(const TimelineRow &row, bool hasTasks) const;
    void paintRows(QPainter &p, int firstRow, int lastRow);
    void rasterRows(QPainter &p, int firstRow, int lastRow);
    void vectorRows(QPainter &p, int firstRow, int lastRow);
    void blitBars(QPainter &p) const;
    void paintBarTexts(QPainter &p, int firstRow, int lastRow) const;
    void paintHeaderBands(QPainter &p, int firstRow, int lastRow, bool fillBands) const;
    void paintGrid(QPainter &p) const;
    void paintNowLine(QPainter &p) const;
    void paintEmpty(QPainter &p, const QString &text) const;

    QPointer<const TimelineModel> m_model;
    Theme m_theme;
    Options m_options;
    QSize m_size;
    qreal m_dpr = 1.0;
    qint64 m_rangeStart = 0;
    qint64 m_rangeEnd = 0;
    qint64 m_now = 0;
    int m_scrollY = 0;
    int m_hoverRow = -1;
    int m_selectedLane = -1;
    std::array<StyleLook, Timeline::kStyleCount> m_looks;
    std::array<StyleLook, 4> m_taskLooks;

    // Caches: mutable because building them is an implementation detail of const queries.
    mutable TimelineRowLayout m_layout;
    mutable bool m_layoutValid = false;
    mutable quint64 m_layoutStructure = ~0ULL;
    mutable int m_layoutHeight = -1;
    mutable std::vector<RowGeometry> m_rows;
    mutable qint64 m_cacheStart = 0;
    mutable qint64 m_cacheEnd = 0;
    mutable int m_cacheWidth = -1;
    mutable quint64 m_cacheLayoutSerial = 0;
    mutable quint64 m_layoutSerial = 0;
    mutable std::vector<quint8> m_scratch;
    mutable std::vector<Timeline::Summary> m_summaries; // per row, aggregated rows only
    mutable quint64 m_summarySerial = 0;
    mutable FrameStats m_buildStats;
    FrameStats m_stats;
    // Raster path: bars are written straight into scanlines of this image (one line built per row, then
    // copied per scanline), which is an order of magnitude cheaper than a fillRect per one-pixel run.
    QImage m_bars;
    std::vector<quint32> m_lineBg;
    std::vector<quint32> m_lineStrip;
    std::vector<int> m_gridX;
    std::vector<quint8> m_styleAt; // per device pixel column of the row being rasterized
    // Solid fill lines per style, then solid outline lines per style after kStyleCount.
    std::array<std::vector<quint32>, 2 * Timeline::kStyleCount> m_solidLines;
    quint64 m_solidKey = 0;
    int m_frameNowX = -1;
    quint64 m_rasterKey = 0;
    quint64 m_looksSerial = 0;
    quint64 m_patternKey = 0;
    // Per style (then per task style after kStyleCount): one line per vertical phase of its pattern.
    std::array<std::vector<quint32>, Timeline::kStyleCount + 4> m_patternLines;
    std::array<std::vector<QRect>, Timeline::kStyleCount> m_batches;
    std::array<std::vector<QRect>, 4> m_taskBatches;
};

} // namespace Baton
