"""The index under its own domain: certificate, API Gateway domain name, mapping ``simple``, DNS.

These belong to the stack, not to the component (a domain often serves more than one API): they are
children of the stack. With a ``hosted_zone_id`` and no ``certificate_arn``, an ACM certificate is
requested and validated by DNS in that zone, and alias records (``A`` and ``AAAA``: the domain
name is dualstack, so IPv6 clients reach it too) point the name at the domain.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

#: The base path the stage is mapped to: ``https://<domain>/simple/`` is the index.
BASE_PATH = "simple"


@dataclass(frozen=True)
class CustomDomain:
    """What :func:`custom_domain` created."""

    domain: aws.apigateway.DomainName
    mapping: aws.apigateway.BasePathMapping
    certificate_arn: pulumi.Output[str]
    records: tuple[aws.route53.Record, ...]
    index_url: pulumi.Output[str]


def _certificate(
    name: str, domain_name: str, hosted_zone_id: str, tags: dict[str, str]
) -> pulumi.Output[str]:
    certificate = aws.acm.Certificate(
        f"{name}-certificate", domain_name=domain_name, validation_method="DNS", tags=tags
    )
    # One domain, so one validation record (read by index: no resource is created in an apply).
    option = certificate.domain_validation_options[0]
    record = aws.route53.Record(
        f"{name}-certificate-validation",
        zone_id=hosted_zone_id,
        name=option.resource_record_name,
        type=option.resource_record_type,
        records=[option.resource_record_value],
        ttl=300,
        allow_overwrite=True,
    )
    validation = aws.acm.CertificateValidation(
        f"{name}-certificate",
        certificate_arn=certificate.arn,
        validation_record_fqdns=[record.fqdn],
    )
    return validation.certificate_arn


def custom_domain(
    name: str,
    *,
    domain_name: str,
    rest_api_id: pulumi.Input[str],
    stage: aws.apigateway.Stage,
    certificate_arn: str | None = None,
    hosted_zone_id: str | None = None,
    tags: dict[str, str] | None = None,
) -> CustomDomain:
    """``https://<domain_name>/simple/`` -> the stage, with a certificate and DNS as given."""
    tags = dict(tags or {})
    if certificate_arn is None:
        if hosted_zone_id is None:
            raise ValueError("domainName needs certificateArn or hostedZoneId (to create a certificate)")
        arn = _certificate(name, domain_name, hosted_zone_id, tags)
    else:
        arn = pulumi.Output.from_input(certificate_arn)
    domain = aws.apigateway.DomainName(
        f"{name}-domain",
        domain_name=domain_name,
        regional_certificate_arn=arn,
        # IPv4 and IPv6 clients alike; the APIs mapped to it need not be dualstack themselves.
        endpoint_configuration={"types": "REGIONAL", "ip_address_type": "dualstack"},
        security_policy="TLS_1_2",
        tags=tags,
    )
    mapping = aws.apigateway.BasePathMapping(
        f"{name}-mapping",
        rest_api=rest_api_id,
        stage_name=stage.stage_name,
        domain_name=domain.domain_name,
        base_path=BASE_PATH,
    )
    records: tuple[aws.route53.Record, ...] = ()
    if hosted_zone_id is not None:
        alias: aws.route53.RecordAliasArgsDict = {
            "name": domain.regional_domain_name,
            "zone_id": domain.regional_zone_id,
            "evaluate_target_health": False,
        }
        # The A record keeps its old resource name, so a stack that had it keeps it in place.
        records = tuple(
            aws.route53.Record(
                f"{name}-{label}",
                zone_id=hosted_zone_id,
                name=domain_name,
                type=record_type,
                aliases=[alias],
            )
            for label, record_type in (("alias", "A"), ("alias-ipv6", "AAAA"))
        )
    index_url = pulumi.Output.format("https://{0}/{1}/", domain.domain_name, BASE_PATH)
    return CustomDomain(domain, mapping, arn, records, index_url)
