// Revisão de telefones: the little the pages do in the browser. Everything
// works without it; it adds the live feedback while a correction is typed
// and "mark all" in the list.
(function () {
  'use strict';

  var tipos = {
    fixed: 'fixo', mobile: 'celular', toll_free: '0800', shared_cost: 'custo compartilhado',
    premium: 'tarifado', short_code: 'serviço de utilidade pública', voip: 'VoIP', foreign: 'estrangeiro'
  };

  function feedback(input) {
    var out = document.getElementById('retorno');
    var url = input.getAttribute('data-validar');
    var seq = 0;
    var timer = null;

    function show(estado, texto) {
      out.setAttribute('data-estado', estado);
      out.textContent = texto;
    }

    function check() {
      var value = input.value.trim();
      var mine = ++seq;
      if (value === '') {
        show('vazio', '');
        return;
      }
      show('verificando', 'Verificando…');
      fetch(url + '?numero=' + encodeURIComponent(value), {credentials: 'same-origin', headers: {Accept: 'application/json'}})
        .then(function (resp) {
          if (!resp.ok) { throw new Error('HTTP ' + resp.status); }
          return resp.json();
        })
        .then(function (r) {
          if (mine !== seq) { return; } // a later keystroke's answer wins
          if (r.accepted) {
            var texto = 'Válido: o 3CX vai discar ' + r.dial + ' (' + (tipos[r.type] || r.type) + ')';
            if (r.extension) { texto += ', ramal ' + r.extension; }
            if (r.status === 'fixed' && r.suggestion) { texto += '. ' + r.suggestion; }
            show('valido', texto);
          } else {
            show('invalido', r.problem.charAt(0).toUpperCase() + r.problem.slice(1));
          }
        })
        .catch(function () {
          if (mine === seq) { show('erro', 'Não foi possível verificar agora; você ainda pode salvar.'); }
        });
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(check, 150);
    });
    if (input.value.trim() !== '' && out.getAttribute('data-estado') === 'vazio') { check(); }
  }

  function markAll(box) {
    box.addEventListener('change', function () {
      var boxes = document.querySelectorAll('input[name="sel"]');
      for (var i = 0; i < boxes.length; i++) { boxes[i].checked = box.checked; }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var input = document.querySelector('input[data-validar]');
    if (input) { feedback(input); }
    var all = document.getElementById('marcar-todos');
    if (all) { markAll(all); }
  });
})();
