from django import forms
from todos.models import Todo


class TodoForm(forms.ModelForm):
    """The fields ftd.submit_form posts; its errors go back as {"errors": {field: [messages]}}."""

    class Meta:
        model = Todo
        fields = ["title"]
