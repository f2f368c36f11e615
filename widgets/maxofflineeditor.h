#pragma once

#include "core/base/error.h"
#include "models/servicestatus.h"

#include <QDialog>

class QLabel;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace Baton {

// Edits one service's max_offline (a count, a percentage, or freeze) and writes it with a compare-and-set on the
// key's ModifyIndex as read when the editor opened. If someone else changes the key meanwhile, the write is
// refused and the editor shows their value instead of overwriting it; the operator reviews and applies again
// against the new value. Before applying, it previews the effect ("raising to 3 lets web-7 and web-9 start now").
class MaxOfflineEditor : public QDialog
{
    Q_OBJECT

public:
    explicit MaxOfflineEditor(const ServiceStatus &status, QWidget *parent = nullptr);

    MaxOffline candidate() const;
    QString previewText() const;
    // The ModifyIndex the next write is conditioned on (0: create the key).
    quint64 expectedIndex() const { return m_base.maxOfflineModifyIndex; }
    const ServiceStatus &base() const { return m_base; }
    void setCandidate(const MaxOffline &value);

    // Consul's view changed while the editor is open. A different max_offline key (someone else wrote it) is shown
    // as a concurrent change; health and holders just refresh the preview.
    void updateStatus(const ServiceStatus &status);
    // The CAS write was refused: `current` is what the key holds now.
    void showConflict(const ServiceStatus &current);
    void applyFailed(const Error &error);
    void setBusy(bool busy);
    bool hasConflict() const { return m_conflict; }

Q_SIGNALS:
    void applyRequested(const QString &service, const Baton::MaxOffline &value, quint64 expectedIndex);

private:
    void refresh();
    void showConcurrentChange(const QString &before);

    ServiceStatus m_base;
    QLabel *m_current;
    QRadioButton *m_count;
    QRadioButton *m_percent;
    QRadioButton *m_freeze;
    QSpinBox *m_countValue;
    QSpinBox *m_percentValue;
    QLabel *m_effective;
    QLabel *m_preview;
    QLabel *m_notice;
    QPushButton *m_apply;
    bool m_busy = false;
    bool m_conflict = false;
    QString m_valueAtApply; // what the key held, as the operator saw it, when Apply was pressed
};

} // namespace Baton
