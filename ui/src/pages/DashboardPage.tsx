import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { api, onContactsChanged, type Dashboard, type RelationshipHealth } from "../api";
import { Button } from "../components/Button";
import { MonthlyChart } from "../components/charts/MonthlyChart";
import { RelationshipHealthChart } from "../components/charts/RelationshipHealthChart";
import { StageChart } from "../components/charts/StageChart";
import { StatusDonut } from "../components/charts/StatusDonut";
import { EmptyState } from "../components/EmptyState";
import { useToasts } from "../components/Toasts";
import { useEventSubscription } from "../hooks/useEventSubscription";
import { formatMonth, formatNumber } from "../lib/format";

const REFRESH_DEBOUNCE_MS = 200;

type DashboardPageProps = {
  onOpenContacts: () => void;
};

export function DashboardPage({ onOpenContacts }: DashboardPageProps) {
  const { showError } = useToasts();
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [failed, setFailed] = useState(false);
  // Loaded on its own, so the rest of the dashboard shows even when this fails.
  const [health, setHealth] = useState<RelationshipHealth | "failed" | null>(null);
  const requestRef = useRef(0);

  const load = useCallback(() => {
    const request = ++requestRef.current;
    api.keepInTouchHealth().then(
      (data) => request === requestRef.current && setHealth(data),
      () => request === requestRef.current && setHealth("failed"),
    );
    api.getDashboard().then(
      (data) => {
        if (request !== requestRef.current) return;
        setDashboard(data);
        setFailed(false);
      },
      (error: unknown) => {
        if (request !== requestRef.current) return;
        setFailed(true);
        showError(error, "Could not load the dashboard");
      },
    );
  }, [showError]);

  useEffect(load, [load]);

  const timer = useRef<number | null>(null);
  const onChanged = useCallback(() => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => {
      timer.current = null;
      load();
    }, REFRESH_DEBOUNCE_MS);
  }, [load]);
  useEventSubscription(onContactsChanged, onChanged);
  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
    },
    [],
  );

  const activeCount = dashboard?.by_status.find((entry) => entry.status === "active")?.count ?? 0;
  const atRiskCount = dashboard?.by_status.find((entry) => entry.status === "at_risk")?.count ?? 0;
  const lastMonth = dashboard?.new_by_month[dashboard.new_by_month.length - 1];

  return (
    <div className="page page--dashboard" data-testid="dashboard-page">
      <header className="page__header">
        <div>
          <h1 className="page__title">Dashboard</h1>
          <p className="page__subtitle">An overview of your practice</p>
        </div>
      </header>

      <div className="page__scroll">
        {failed && !dashboard ? (
          <EmptyState
            icon="alert"
            title="The dashboard could not be loaded"
            actions={
              <Button variant="primary" onClick={load}>
                Try again
              </Button>
            }
          />
        ) : (
          <>
            <div className="stat-grid" aria-busy={dashboard === null}>
              <StatCard label="Total contacts" loading={!dashboard} testId="dashboard-total">
                {dashboard ? formatNumber(dashboard.total_contacts) : null}
              </StatCard>
              <StatCard
                label="New this month"
                loading={!dashboard}
                testId="dashboard-new-this-month"
                detail={lastMonth ? formatMonth(lastMonth.month, "long") : undefined}
              >
                {dashboard ? formatNumber(dashboard.new_this_month) : null}
              </StatCard>
              <StatCard label="Active clients" loading={!dashboard} testId="dashboard-active">
                {dashboard ? formatNumber(activeCount) : null}
              </StatCard>
              <StatCard label="At risk" loading={!dashboard} testId="dashboard-at-risk" tone={atRiskCount > 0 ? "warning" : undefined}>
                {dashboard ? formatNumber(atRiskCount) : null}
              </StatCard>
            </div>

            {dashboard && dashboard.total_contacts === 0 ? (
              <div className="card">
                <EmptyState
                  icon="dashboard"
                  title="Nothing to chart yet"
                  testId="dashboard-empty"
                  actions={
                    <Button variant="primary" icon="contacts" onClick={onOpenContacts}>
                      Go to contacts
                    </Button>
                  }
                >
                  <p>Once you add contacts (or load the demo data), your pipeline and growth will show up here.</p>
                </EmptyState>
              </div>
            ) : (
              <div className="chart-grid">
                <ChartCard title="Pipeline by lifecycle stage" className="chart-grid__wide">
                  {dashboard ? <StageChart byStage={dashboard.by_stage} /> : <div className="skeleton skeleton--chart" />}
                </ChartCard>
                <ChartCard title="Client status">
                  {dashboard ? <StatusDonut byStatus={dashboard.by_status} /> : <div className="skeleton skeleton--chart" />}
                </ChartCard>
                <ChartCard title="New contacts, last 12 months" className="chart-grid__full">
                  {dashboard ? <MonthlyChart months={dashboard.new_by_month} /> : <div className="skeleton skeleton--chart" />}
                </ChartCard>
                <ChartCard title="Relationship health" className="chart-grid__full">
                  {health === "failed" ? (
                    <p className="muted" data-testid="dashboard-health-failed">
                      Relationship health could not be loaded.
                    </p>
                  ) : health ? (
                    <RelationshipHealthChart health={health} />
                  ) : (
                    <div className="skeleton skeleton--chart" />
                  )}
                </ChartCard>
              </div>
            )}
          </>
        )}
      </div>
    </div>
  );
}

function StatCard({
  label,
  children,
  loading,
  testId,
  detail,
  tone,
}: {
  label: string;
  children: ReactNode;
  loading: boolean;
  testId: string;
  detail?: string;
  tone?: "warning";
}) {
  return (
    <section className={tone ? `card stat stat--${tone}` : "card stat"}>
      <h2 className="stat__label">{label}</h2>
      {loading ? (
        <span className="skeleton skeleton--stat" />
      ) : (
        <p className="stat__value tabular" data-testid={testId}>
          {children}
        </p>
      )}
      {detail ? <p className="stat__detail">{detail}</p> : null}
    </section>
  );
}

function ChartCard({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  return (
    <section className={className ? `card chart-card ${className}` : "card chart-card"}>
      <h2 className="card__title">{title}</h2>
      {children}
    </section>
  );
}
