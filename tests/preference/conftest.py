import pytest


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Tiny models run fastest (and robustly on a shared 2-core box) with one torch thread."""
    try:
        import torch
    except ImportError:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
