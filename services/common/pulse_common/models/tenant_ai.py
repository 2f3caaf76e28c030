"""AI and ML bookkeeping: DORA insights, the agent's learning memory,
predictions, model performance and anomaly alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pulse_common.models.base import Deactivatable, TenantBase, TenantRow
from pulse_common.models.enums import CorrectionReview, checked


class DoraMetricInsight(TenantRow, TenantBase):
    __tablename__ = "dora_metric_insights"
    __table_args__ = (
        # The DORA dashboard: latest insight per metric.
        Index(None, "metric", "period_end"),
        # One scope's insights, newest period first (GET /analytics/insights),
        # and the rows a new post of one scope and period replaces.
        Index(None, "scope_key", "period_end", "period_start"),
    )

    metric: Mapped[str] = mapped_column(String(40), nullable=False)
    period_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    period_end: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    level: Mapped[str | None] = mapped_column(String(10))
    insight_text: Mapped[str] = mapped_column(Text, nullable=False)
    generated_by: Mapped[str | None] = mapped_column(String(100))
    # The filters the insight was computed for (``Scope.filters()``) and
    # their digest (``Scope.key()``); rows stored before filters were kept
    # have the unfiltered UTC scope (migration 1bf4516e15f1).
    scope: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    scope_key: Mapped[str] = mapped_column(String(64), nullable=False)


class AiLearningMemory(TenantRow, Deactivatable, TenantBase):
    """What the agent learned from feedback (a failed answer and its correction)."""

    __tablename__ = "ai_learning_memory"

    kind: Mapped[str] = mapped_column(String(50), nullable=False)
    user_intent: Mapped[str] = mapped_column(Text, nullable=False)
    original_answer: Mapped[str | None] = mapped_column(Text)
    user_feedback: Mapped[str | None] = mapped_column(Text)
    corrected_answer: Mapped[str | None] = mapped_column(Text)
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    embedding_id: Mapped[str | None] = mapped_column(String(64))
    # Who gave the feedback (null: not known, or the user was deleted). A
    # user's questions and the answers they got are theirs to see (and the
    # admins'), as their conversations are.
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    # Whom its correction applies to (``CorrectionReview``): a correction
    # steers the assistant's answers, so only an admin's reaches every user.
    review: Mapped[CorrectionReview] = mapped_column(
        checked(CorrectionReview, "correction_review", length=10),
        nullable=False,
        server_default=CorrectionReview.pending.value,
    )
    reviewed_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AiPrediction(TenantRow, TenantBase):
    __tablename__ = "ai_predictions"
    __table_args__ = (
        Index(None, "model_name", "created_at"),
        # One prediction per subject (an open PR, a future week) and model.
        UniqueConstraint("model_name", "subject_key"),
    )

    model_name: Mapped[str] = mapped_column(String(100), nullable=False)
    model_version: Mapped[str | None] = mapped_column(String(50))
    prediction_type: Mapped[str] = mapped_column(String(50), nullable=False)
    input_data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    prediction_result: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    confidence_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    actual_outcome: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    accuracy_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    subject_key: Mapped[str | None] = mapped_column(String(200))


class AiPerformanceMetric(TenantRow, TenantBase):
    __tablename__ = "ai_performance_metrics"
    __table_args__ = (Index(None, "metric_name", "measured_at"),)

    metric_name: Mapped[str] = mapped_column(String(100), nullable=False)
    metric_value: Mapped[Decimal] = mapped_column(Numeric(18, 6), nullable=False)
    metric_unit: Mapped[str | None] = mapped_column(String(30))
    service_name: Mapped[str | None] = mapped_column(String(50))
    measured_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")


class MlAnomalyAlert(TenantRow, TenantBase):
    __tablename__ = "ml_anomaly_alert"
    __table_args__ = (
        Index(None, "acknowledged", "created_at"),
        # The same anomaly (series and week) is raised once.
        UniqueConstraint("model_name", "dedup_key"),
    )

    model_name: Mapped[str] = mapped_column(String(100), nullable=False)
    severity: Mapped[str] = mapped_column(String(20), nullable=False)
    alert_data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    acknowledged: Mapped[bool] = mapped_column(nullable=False, server_default="false")
    acknowledged_by: Mapped[str | None] = mapped_column(String(254))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    dedup_key: Mapped[str | None] = mapped_column(String(200))
