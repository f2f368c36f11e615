#pragma once

#include "core/domain/jobstate.h"
#include "core/domain/nodecounts.h"
#include "core/domain/noderunstate.h"

#include <optional>

#include <QColor>
#include <QPalette>
#include <QString>

class QPainter;
class QRectF;

namespace Baton {

// How a node-run state looks. Colour alone never carries the meaning: every state also has a fill pattern
// (solid, hatched, hollow) and a glyph, so the timeline, the job list and the wall display stay readable in
// grey scale, on a washed-out wall screen and for colour-blind operators.
struct NodeRunStyle
{
    enum class Fill
    {
        Solid, // the run holds the node out of service or is finished
        Hollow, // nothing happened on the node yet: outline only
        Hatched, // waiting: diagonal hatch over a light tint
        Dotted, // waiting for another job: dots over a light tint
    };

    QColor color; // the state's hue; fills and outlines derive from it
    QColor text; // readable on `color`
    Fill fill = Fill::Solid;
    Qt::BrushStyle pattern = Qt::SolidPattern; // the overlay for Hatched/Dotted
    QChar glyph; // one character drawn when there is room: ✓ ✕ …
    QString shortLabel; // two or three letters for legends and tight cells: "ok", "MNT"
};

// The semantic colour roles of the console, in one place, for a light and a dark variant. Views, delegates,
// the timeline and the wall display ask for a role, never for a literal colour, so a theme switch reaches
// every painter. The palette for Qt's own widgets is derived from the same roles.
class Theme
{
public:
    enum class Variant
    {
        Light,
        Dark
    };

    enum class Role
    {
        Window, // background of panes
        Base, // background of lists and editors
        AlternateBase, // zebra rows
        Text,
        MutedText, // secondary text: timestamps, hints
        Border,
        Grid, // ruler ticks and grid lines
        Highlight, // selection
        HighlightedText,
        Link,
        Ok,
        Warning,
        Critical,
        Info,
        Neutral,
        NowLine, // the "now" marker of a live timeline
        ProductionAccent, // the band and frame that mark a production profile
        ProductionText,
        ReadOnlyAccent, // the band that marks a read-only profile
        Orphaned, // maintenance left on with no job holding the node
        Stuck, // a run without events for too long
        ChartSeries1,
        ChartSeries2,
        ChartSeries3,
        ChartSeries4,
    };

    static Theme light();
    static Theme dark();
    static Theme forVariant(Variant variant);

    // The theme the application runs with; light until setCurrent() is called. GUI thread only.
    static const Theme &current();
    static void setCurrent(const Theme &theme);

    // "light", "dark" ↔ Variant; anything else gives std::nullopt.
    static QString variantName(Variant variant);
    static std::optional<Variant> variantFromName(QStringView name);

    Variant variant() const { return m_variant; }
    bool isDark() const { return m_variant == Variant::Dark; }

    QColor color(Role role) const;

    QColor nodeRunColor(NodeRunState state) const;
    NodeRunStyle nodeRunStyle(NodeRunState state) const;
    QColor jobStateColor(JobState state) const;

    // A job's colour graded from its nodes: green when all are fine, shading through amber to red by the share
    // of failed nodes, so one failure out of forty reads differently from forty failures.
    QColor gradedJobColor(const NodeCounts &counts, JobState state) const;

    // Qt's palette for this theme (Fusion style reads it completely).
    QPalette palette() const;

    // Paints one node-run state into `rect` (fill, pattern, outline and, if it fits, the glyph). Shared by the
    // node list, the legend and the timeline so a state looks the same everywhere.
    void paintNodeRunSwatch(QPainter &painter, const QRectF &rect, NodeRunState state, bool withGlyph = true) const;

    // Paints the counts of a job as a stacked bar (ok / failed / cancelled / running / waiting) with a one-pixel
    // gap between parts so adjacent parts stay distinguishable without colour.
    void paintCountsBar(QPainter &painter, const QRectF &rect, const NodeCounts &counts) const;

private:
    explicit Theme(Variant variant);

    Variant m_variant;
};

} // namespace Baton
