from rest_framework import serializers

from myproject.api import CharField, DateField, StrictInputSerializer

from .models import validate_name


class CustomerInputSerializer(StrictInputSerializer):
    first_name = CharField(max_length=100, validators=[validate_name])
    last_name = CharField(max_length=100, validators=[validate_name])
    dob = DateField(help_text="Date of birth, DD-MM-YYYY (YYYY-MM-DD also accepted).")


class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    dob = DateField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
