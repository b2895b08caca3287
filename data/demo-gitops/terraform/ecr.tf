resource "aws_ecr_repository" "ledger" {
  name                 = "payments/ledger"
  image_tag_mutability = "MUTABLE"
}

resource "aws_ecr_lifecycle_policy" "ledger" {
  repository = aws_ecr_repository.ledger.name
  policy     = file("${path.module}/ledger-lifecycle.json")
}

locals {
  ledger_image = "${var.account_id}.dkr.ecr.${var.region}.amazonaws.com/payments/ledger:main"
  # the China partition mirror
  ledger_cn = "444444444444.dkr.ecr.cn-north-1.amazonaws.com.cn/payments/ledger:main"
}
