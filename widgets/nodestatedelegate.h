#pragma once

#include <QStyledItemDelegate>

namespace Baton {

// Paints a node-run state cell: the state's swatch (colour, pattern and glyph, see Theme::nodeRunStyle) followed
// by its name. Works on any model that offers the state under `stateRole` as a Baton::NodeRunState.
class NodeStateDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    explicit NodeStateDelegate(int stateRole, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_stateRole;
};

} // namespace Baton
