"""Workloads collector: which AWS workloads consume which images, and which of them can only pull from ECR.

Read-only inventory calls (measurement-facts.md §0.7, §6). AWS Lambda (container images from ECR private),
AWS App Runner (image repository type ECR or ECR_PUBLIC) and Amazon EMR Serverless (custom images at
`*.dkr.ecr.*`) can **only** pull from ECR: a repository they use cannot leave ECR. ECS, Batch, SageMaker and
EKS can pull from other registries. EKS's images live in the cluster (Kubernetes API), not in AWS's: its
clusters and node groups are listed so the gap is visible, not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from analysis.collectors.aws import AwsSettings, chunks, error_record
from analysis.collectors.operations import Operations, declare
from analysis.collectors.records import ErrorRecord

OPERATIONS = declare(
    "workloads",
    Operations("ecs", "ecs", ("ListClusters", "ListServices", "DescribeServices", "DescribeTaskDefinition")),
    Operations("lambda", "lambda", ("ListFunctions", "GetFunction")),
    Operations("apprunner", "apprunner", ("ListServices", "DescribeService")),
    Operations("batch", "batch", ("DescribeJobDefinitions",)),
    Operations("sagemaker", "sagemaker", ("ListModels", "DescribeModel")),
    Operations("eks", "eks", ("ListClusters", "ListNodegroups")),
    Operations("emr-serverless", "emr-serverless", ("ListApplications", "GetApplication")),
)

# Services whose images can only come from ECR (measurement-facts.md §0.7).
ECR_ONLY = frozenset({"lambda", "apprunner", "emr-serverless"})
_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


@dataclass
class WorkloadRef:
    account_id: str
    region: str
    service: str  # ecs | lambda | apprunner | batch | sagemaker | eks | emr-serverless
    resource: str  # the workload's ARN or name
    image_uri: str | None  # None: the service does not expose it (EKS)
    is_ecr: bool
    registry_account: str | None
    registry_region: str | None
    repository_name: str | None
    image_tag: str | None
    image_digest: str | None
    bound_to_ecr: bool  # an ECR-only service: the repository cannot leave ECR
    note: str | None = None


def parse_image(uri: str) -> dict[str, Any]:
    m = _ECR_URI.match(uri.strip())
    if not m:
        return {
            "is_ecr": False,
            "registry_account": None,
            "registry_region": None,
            "repository_name": None,
            "image_tag": None,
            "image_digest": None,
        }
    return {
        "is_ecr": True,
        "registry_account": m["account"],
        "registry_region": m["region"],
        "repository_name": m["repo"],
        "image_tag": m["tag"],
        "image_digest": m["digest"],
    }


def ref(
    account_id: str, region: str, service: str, resource: str, uri: str | None, note: str | None = None
) -> WorkloadRef:
    parsed: dict[str, Any] = (
        parse_image(uri)
        if uri
        else {
            "is_ecr": False,
            "registry_account": None,
            "registry_region": None,
            "repository_name": None,
            "image_tag": None,
            "image_digest": None,
        }
    )
    return WorkloadRef(
        account_id,
        region,
        service,
        resource,
        uri,
        bound_to_ecr=parsed["is_ecr"] and service in ECR_ONLY,
        note=note,
        **parsed,
    )


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _ecs(client: Any, account: str, region: str) -> list[WorkloadRef]:
    out: list[WorkloadRef] = []
    for cluster in _pages(client, "list_clusters", "clusterArns"):
        arns = list(_pages(client, "list_services", "serviceArns", cluster=cluster))
        for batch in chunks(arns, 10):  # DescribeServices takes 10 at a time
            for service in client.describe_services(cluster=cluster, services=batch).get("services", []):
                td = client.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
                for c in td.get("containerDefinitions", []):
                    private = "repositoryCredentials" in c
                    note = "pulls with repositoryCredentials (a private registry)" if private else None
                    out.append(ref(account, region, "ecs", service["serviceArn"], c.get("image"), note))
    return out


def _lambda(client: Any, account: str, region: str) -> list[WorkloadRef]:
    out: list[WorkloadRef] = []
    for fn in _pages(client, "list_functions", "Functions"):
        if fn.get("PackageType") != "Image":
            continue
        code = client.get_function(FunctionName=fn["FunctionArn"]).get("Code", {})  # ListFunctions has no URI
        out.append(ref(account, region, "lambda", fn["FunctionArn"], code.get("ImageUri")))
    return out


def _apprunner(client: Any, account: str, region: str) -> list[WorkloadRef]:
    out: list[WorkloadRef] = []
    token = None
    while True:
        page = client.list_services(**({"NextToken": token} if token else {}))
        for s in page.get("ServiceSummaryList", []):
            svc = client.describe_service(ServiceArn=s["ServiceArn"])["Service"]
            image = svc.get("SourceConfiguration", {}).get("ImageRepository")
            if image:
                out.append(ref(account, region, "apprunner", s["ServiceArn"], image.get("ImageIdentifier")))
        token = page.get("NextToken")
        if not token:
            return out


def _batch(client: Any, account: str, region: str) -> list[WorkloadRef]:
    out: list[WorkloadRef] = []
    for jd in _pages(client, "describe_job_definitions", "jobDefinitions", status="ACTIVE"):
        image = (jd.get("containerProperties") or {}).get("image")
        if image:
            out.append(ref(account, region, "batch", jd["jobDefinitionArn"], image))
    return out


def _sagemaker(client: Any, account: str, region: str) -> list[WorkloadRef]:
    out: list[WorkloadRef] = []
    for m in _pages(client, "list_models", "Models"):
        model = client.describe_model(ModelName=m["ModelName"])
        for c in [model.get("PrimaryContainer") or {}, *(model.get("Containers") or [])]:
            if c.get("Image"):
                vpc = (c.get("ImageConfig") or {}).get("RepositoryAccessMode") == "Vpc"
                out.append(
                    ref(
                        account,
                        region,
                        "sagemaker",
                        m["ModelArn"],
                        c["Image"],
                        "private registry in a VPC" if vpc else None,
                    )
                )
    return out


def _eks(client: Any, account: str, region: str) -> list[WorkloadRef]:
    out: list[WorkloadRef] = []
    for name in _pages(client, "list_clusters", "clusters"):
        groups = list(_pages(client, "list_nodegroups", "nodegroups", clusterName=name))
        note = f"{len(groups)} node group(s); images are in the Kubernetes API, not read here"
        out.append(ref(account, region, "eks", name, None, note))
    return out


def _emr_serverless(client: Any, account: str, region: str) -> list[WorkloadRef]:
    out: list[WorkloadRef] = []
    for a in _pages(client, "list_applications", "applications"):
        app = client.get_application(applicationId=a["id"])["application"]
        uris = {(app.get("imageConfiguration") or {}).get("imageUri")}
        uris |= {
            (w.get("imageConfiguration") or {}).get("imageUri")
            for w in (app.get("workerTypeSpecifications") or {}).values()
        }
        out += [ref(account, region, "emr-serverless", app["arn"], u) for u in sorted(u for u in uris if u)]
    return out


READERS: dict[str, tuple[str, Callable[[Any, str, str], list[WorkloadRef]]]] = {
    "ecs": ("ecs:ListClusters", _ecs),
    "lambda": ("lambda:ListFunctions", _lambda),
    "apprunner": ("apprunner:ListServices", _apprunner),
    "batch": ("batch:DescribeJobDefinitions", _batch),
    "sagemaker": ("sagemaker:ListModels", _sagemaker),
    "eks": ("eks:ListClusters", _eks),
    "emr-serverless": ("emr-serverless:ListApplications", _emr_serverless),
}


def collect_workloads(
    settings: AwsSettings, session: Any, account_id: str, region: str, services: list[str] | None = None
) -> tuple[list[WorkloadRef], list[ErrorRecord]]:
    """Every service's references; a service that cannot be read (not offered in the region, access denied)
    is an error row, never an empty inventory."""
    refs: list[WorkloadRef] = []
    errors: list[ErrorRecord] = []
    for service in services or list(READERS):
        operation, read = READERS[service]
        try:
            refs += read(settings.client(session, service, region), account_id, region)
        except Exception as exc:
            errors.append(error_record(exc, operation, account_id=account_id, region=region))
    return refs, errors
