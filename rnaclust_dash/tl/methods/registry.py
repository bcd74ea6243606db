"""The registry: every clustering method, in the order the menus list them.

Adding a method: write its module (a ``fit`` returning a
:class:`~rnaclust_dash.tl.methods.base.Partition` and a
:class:`~rnaclust_dash.tl.methods.base.Method` entry), add the entry here, and test it.
The pipeline, choose-k, stability, the dashboard's method menu and the CLI's
``--method`` choices all read this registry.
"""

from __future__ import annotations

from types import MappingProxyType

from ...errors import ParameterError
from .base import Method
from .centroids import FUZZY_CMEANS, KMEANS, KMEDOIDS
from .graph import LEIDEN, LOUVAIN
from .hierarchical import DIANA, HIERARCHICAL
from .mixture import GMM

#: Method name -> entry (read-only).
REGISTRY: MappingProxyType[str, Method] = MappingProxyType({
    method.name: method for method in (HIERARCHICAL, KMEANS, DIANA, KMEDOIDS, FUZZY_CMEANS,
                                       GMM, LEIDEN, LOUVAIN)})

#: Method name -> one sentence for the UI (the help of the method menu).
METHOD_DESCRIPTIONS = MappingProxyType({name: m.description for name, m in REGISTRY.items()})

#: Methods whose number of clusters comes from a resolution instead of k.
RESOLUTION_METHODS = tuple(name for name, m in REGISTRY.items() if m.uses == "resolution")

#: Methods that give each item a confidence (max membership / posterior probability).
SOFT_METHODS = tuple(name for name, m in REGISTRY.items() if m.soft)

#: Older names of the lists above, still used by the dashboard's callbacks.
METHODS = METHOD_DESCRIPTIONS
GRAPH_CLUSTERINGS = RESOLUTION_METHODS


def get_method(name: str) -> Method:
    """The registry entry of a method, or a ParameterError listing the known ones.

    Parameters
    ----------
    name : str
        A key of :data:`METHODS` (``"hierarchical"``, ``"kmeans"``, ...).

    Returns
    -------
    Method
        Its ``fit(data, *, k=None, resolution=None, random_state=0, **params)`` returns a
        :class:`Partition`; ``needs`` says whether data are items or condensed distances.
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise ParameterError(f"'{name}' is not a valid method; choose one of: "
                             f"{', '.join(REGISTRY)}.") from None
