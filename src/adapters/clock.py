import time

from application.ports.clock import Clock


class SystemClock(Clock):
    def now(self) -> float:
        return time.time()
