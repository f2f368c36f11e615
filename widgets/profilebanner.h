#pragma once

#include <QWidget>

class QLabel;

namespace Baton {

// A strip across the top of the window that says which environment this is when it matters: red for a
// production profile, grey for a read-only one (both: red, with "read-only"). Hidden otherwise. Text and colour
// both carry it, so it reads on any screen.
class ProfileBanner : public QWidget
{
    Q_OBJECT

public:
    explicit ProfileBanner(QWidget *parent = nullptr);

    void setProfile(const QString &name, bool production, bool readOnly);
    QString text() const;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QLabel *m_label;
    bool m_production = false;
    bool m_readOnly = false;
};

} // namespace Baton
