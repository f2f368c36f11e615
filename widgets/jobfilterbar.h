#pragma once

#include "models/jobfilter.h"

#include <QTimer>
#include <QWidget>

class QComboBox;
class QLineEdit;
class QLabel;

namespace Baton {

// Filter controls above the job list: state (with "active" and "problems" groups), playbook, service and text.
// Text changes are debounced so typing does not refetch history on every key.
class JobFilterBar : public QWidget
{
    Q_OBJECT

public:
    explicit JobFilterBar(QWidget *parent = nullptr);

    JobFilter filter() const;
    void setFilter(const JobFilter &filter);
    void setPlaybooks(const QStringList &playbooks);
    void setServices(const QStringList &services);
    // "1,204 jobs · 3 running · 1 failed" next to the filters.
    void setSummary(const QString &text);
    void focusText();

Q_SIGNALS:
    void filterChanged(const Baton::JobFilter &filter);

private:
    void emitSoon();
    static void fillCombo(QComboBox *combo, const QString &anyText, const QStringList &items);

    QComboBox *m_state;
    QComboBox *m_playbook;
    QComboBox *m_service;
    QLineEdit *m_text;
    QLabel *m_summary;
    QTimer m_debounce;
    bool m_updating = false;
};

} // namespace Baton
