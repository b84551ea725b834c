import pytest
from pydantic import BaseModel

from helpline.jobs.registry import JobContext, UnknownJobError, get_job, job
from tests.fixtures.jobs import RecordArgs, record_run


class Args(BaseModel):
    value: int


class TestJob:
    def test_reads_the_args_model_and_policy(self) -> None:
        spec = get_job("tests.record_run")
        assert spec.handler is record_run
        assert spec.args_model is RecordArgs
        assert (spec.max_attempts, spec.backoff_base_s, spec.backoff_max_s) == (3, 100, 250)

    def test_duplicate_name_raises(self) -> None:
        async def again(ctx: JobContext, args: RecordArgs) -> None:
            return None

        with pytest.raises(ValueError, match="already registered"):
            job("tests.record_run")(again)
        assert get_job("tests.record_run").handler is record_run

    @pytest.mark.parametrize("name", ["record_run", "Tests.record", "tests.record.run", "tests."])
    def test_name_must_be_domain_dot_verb(self, name: str) -> None:
        with pytest.raises(ValueError, match="domain"):
            job(name)

    def test_handler_must_annotate_a_model(self) -> None:
        async def untyped(ctx: JobContext, args: dict[str, int]) -> None:
            return None

        with pytest.raises(TypeError, match="pydantic model"):
            job("tests.untyped_handler")(untyped)
        with pytest.raises(UnknownJobError):
            get_job("tests.untyped_handler")

    def test_handler_must_be_async(self) -> None:
        def blocking(ctx: JobContext, args: Args) -> None:
            return None

        with pytest.raises(TypeError, match="async def"):
            job("tests.blocking_handler")(blocking)

    def test_backoff_grows_exponentially_with_jitter_and_a_cap(self) -> None:
        spec = get_job("tests.record_run")
        for attempts, ceiling in [(1, 100), (2, 200), (3, 250), (10, 250)]:
            delays = [spec.backoff(attempts).total_seconds() for _ in range(50)]
            assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
            assert len(set(delays)) > 1
