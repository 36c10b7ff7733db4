# Types of the boto3 clients, for the type checker only. The stubs are a development dependency that
# the Lambda runtime does not have, so the handlers import these names under TYPE_CHECKING from this
# stub file (never from mypy_boto3_* directly): nothing here exists at run time, and nothing is zipped.
from mypy_boto3_s3 import S3Client as S3Client
from mypy_boto3_sqs import SQSClient as SQSClient
